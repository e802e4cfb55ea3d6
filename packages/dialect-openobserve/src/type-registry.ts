import type { MetricType } from '@pipeline/sample-model';
import { typeFits } from './metric-type.js';
import type { KnownTypes, TypeRegistration } from './types.js';

/** The caller's registry plus what this payload registers, so later records see earlier ones. */
export class PayloadTypes {
  readonly registrations: TypeRegistration[] = [];
  // Known types are copied in on first use too: one caller lookup per stream, not per record.
  private readonly types = new Map<string, MetricType>();

  // The last pair admitted: records of a stream mostly come together, and shapes hand over the
  // same string object, so the next one is usually settled by two comparisons.
  private lastStream: string | undefined;
  private lastType: MetricType | undefined;

  constructor(private readonly known: KnownTypes) {}

  /** Accepts (registering a new stream) and returns undefined, or returns why the type is refused. */
  admit(stream: string, type: MetricType): string | undefined {
    if (stream === this.lastStream && type === this.lastType) return undefined;
    let registered = this.types.get(stream);
    if (registered === undefined) {
      registered = this.known.get(stream);
      if (registered === undefined) {
        this.types.set(stream, type);
        this.registrations.push({ stream, type });
        this.admitted(stream, type);
        return undefined;
      }
      this.types.set(stream, registered);
    }
    if (typeFits(registered, type)) {
      this.admitted(stream, type);
      return undefined;
    }
    return `metric type mismatch: stream ${stream} is registered as ${registered}, got ${type}`;
  }

  private admitted(stream: string, type: MetricType): void {
    this.lastStream = stream;
    this.lastType = type;
  }
}
