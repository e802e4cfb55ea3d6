import type { OutgoingMessage } from '@pipeline/kafka-io';
import { isMetricType, type MetricType } from '@pipeline/sample-model';

/** One org's registered types: the shape of the OpenObserve dialect's KnownTypes, which reads them. */
type OrgTypes = { get(stream: string): MetricType | undefined };

/**
 * The first type seen for each (org, stream), as recorded in the compacted types topic. Applying
 * a registration for a stream that already has a type changes nothing: the earliest in topic order
 * wins, so every replica that reads the topic ends with the same answer.
 */
export class TypeRegistry {
  readonly #orgs = new Map<string, Map<string, MetricType>>();
  /** forOrg's views; a receiver asks only for the orgs of its users. */
  readonly #views = new Map<string, OrgTypes>();

  get(org: string, stream: string): MetricType | undefined {
    return this.#orgs.get(org)?.get(stream);
  }

  /**
   * A view for one org, in the shape the OpenObserve dialect asks for. Made once per org: a
   * receiver asks on every request, and under tsx (esbuild's keepNames) each new arrow function
   * costs an Object.defineProperty of its name, ~5 µs a request in a loaded receiver's profile.
   */
  forOrg(org: string): OrgTypes {
    let view = this.#views.get(org);
    if (view === undefined) {
      view = { get: (stream) => this.#orgs.get(org)?.get(stream) };
      this.#views.set(org, view);
    }
    return view;
  }

  /** Records the type unless one is known; returns the type that holds. */
  register(org: string, stream: string, type: MetricType): MetricType {
    let streams = this.#orgs.get(org);
    if (streams === undefined) {
      streams = new Map();
      this.#orgs.set(org, streams);
    }
    const known = streams.get(stream);
    if (known !== undefined) return known;
    streams.set(stream, type);
    return type;
  }

  get size(): number {
    let n = 0;
    for (const streams of this.#orgs.values()) n += streams.size;
    return n;
  }
}

const SEPARATOR = '\u0000';

export function registrationMessage(org: string, stream: string, type: MetricType): OutgoingMessage {
  return { key: `${org}${SEPARATOR}${stream}`, value: type };
}

export function readRegistration(message: {
  key: Buffer | null;
  value: Buffer | null;
}): { org: string; stream: string; type: MetricType } | undefined {
  if (message.key === null || message.value === null) return undefined;
  const key = message.key.toString('utf8');
  const at = key.indexOf(SEPARATOR);
  const type = message.value.toString('utf8');
  if (at <= 0 || !isMetricType(type)) return undefined;
  return { org: key.slice(0, at), stream: key.slice(at + 1), type };
}
