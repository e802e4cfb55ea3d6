import { type BodyFormat, processBetterStackPayload } from '@pipeline/dialect-betterstack';
import {
  type KnownTypes,
  processOpenObservePayload,
  type TypeRegistration,
} from '@pipeline/dialect-openobserve';
import type { RawPayload } from '@pipeline/kafka-io';
import type { RejectedRecord, Sample } from '@pipeline/sample-model';

export type NormalizeResult =
  | { ok: true; samples: Sample[]; rejected: RejectedRecord[]; registrations: TypeRegistration[] }
  | { ok: false; error: string };

const FORMATS: readonly string[] = ['json', 'ndjson', 'msgpack'];

/**
 * Replays the receiver's verdict: the same dialect function with the same reception time and
 * limits, so every record the client was told was accepted becomes samples, and every rejected one
 * is dead-lettered with the reason the client saw.
 */
export function normalizePayload(payload: RawPayload, knownTypes: KnownTypes): NormalizeResult {
  if (payload.dialect === 'betterstack') {
    if (!FORMATS.includes(payload.format))
      return { ok: false, error: `unknown body format ${JSON.stringify(payload.format)}` };
    const result = processBetterStackPayload(payload.body, payload.format as BodyFormat, {
      receivedAtUs: payload.receivedAtUs,
      window: { maxAgeUs: payload.maxAgeUs, maxFutureUs: payload.maxFutureUs },
    });
    if (!result.ok) return result;
    return { ok: true, samples: result.samples, rejected: result.rejected, registrations: [] };
  }
  const result = processOpenObservePayload(payload.body, {
    receivedAtUs: payload.receivedAtUs,
    maxFieldsPerRecord: payload.maxFieldsPerRecord,
    knownTypes,
  });
  if (!result.ok) return result;
  return {
    ok: true,
    samples: result.samples,
    rejected: result.rejected,
    registrations: result.registrations,
  };
}
