import type { MetricType, Sample } from '@pipeline/sample-model';
import { processOpenObservePayload } from './process-payload.js';
import type { OpenObserveContext, PayloadResult } from './types.js';

/** Reception time used by the tests: 2023-11-14T22:13:20.123456Z. */
export const RECEIVED_AT_US = 1_700_000_000_123_456;

export function context(
  overrides: { known?: Record<string, MetricType>; maxFields?: number } = {},
): OpenObserveContext {
  const known = new Map(Object.entries(overrides.known ?? {}));
  return {
    receivedAtUs: RECEIVED_AT_US,
    maxFieldsPerRecord: overrides.maxFields ?? 200,
    knownTypes: { get: (stream) => known.get(stream) },
  };
}

type Processed = Extract<PayloadResult, { ok: true }>;

/** Processes a body given as text, or as records sent as a JSON array; fails the test on a body error. */
export function run(body: string | unknown[], ctx: OpenObserveContext = context()): Processed {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const result = processOpenObservePayload(Buffer.from(text), ctx);
  if (!result.ok) throw new Error(`unexpected body error: ${result.error}`);
  return result;
}

/** A sample as a plain object, to compare with toEqual. */
export function sample(
  name: string,
  type: MetricType,
  tags: [string, string][],
  timestampUs: number,
  value: number,
): Sample {
  return { name, type, tags, timestampUs, value, dtRaw: '' };
}
