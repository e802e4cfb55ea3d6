import {
  type BodyFormat,
  emitBetterStackSamples,
  processBetterStackPayload,
} from '@pipeline/dialect-betterstack';
import {
  createOpenObserveShapes,
  emitOpenObserveSamples,
  type KnownTypes,
  processOpenObservePayload,
  type TypeRegistration,
} from '@pipeline/dialect-openobserve';
import type { RawPayload } from '@pipeline/kafka-io';
import { RecordShapes } from '@pipeline/record-shapes';
import type { RejectedRecord, SeriesEntry } from '@pipeline/sample-model';
import type { SampleRows } from './output-messages.js';

export type NormalizeResult =
  | {
      ok: true;
      samples: number;
      rejected: RejectedRecord[];
      registrations: TypeRegistration[];
      /** shapes: every record read in place (emit-samples.ts); decoded: the full path. */
      path: 'shapes' | 'decoded';
    }
  | { ok: false; error: string };

const FORMATS: readonly string[] = ['json', 'ndjson', 'msgpack'];

// One per dialect (the same bytes mean other series in the other) and process, like the row
// cache whose entries the shapes hold.
const betterStackShapes = new RecordShapes<SeriesEntry>();
const openObserveShapes = createOpenObserveShapes<SeriesEntry>();

/**
 * Replays the receiver's verdict: the same dialect function with the same reception time and
 * limits, so every record the client was told was accepted becomes samples (added to `rows`), and
 * every rejected one is dead-lettered with the reason the client saw. A body of valid records takes
 * its dialect's fast path, which gives the same samples (emit-samples.ts in each dialect).
 */
export function normalizePayload(
  payload: RawPayload,
  knownTypes: KnownTypes,
  rows: SampleRows,
): NormalizeResult {
  if (payload.dialect === 'betterstack') {
    if (!FORMATS.includes(payload.format))
      return { ok: false, error: `unknown body format ${JSON.stringify(payload.format)}` };
    const format = payload.format as BodyFormat;
    const ctx = {
      receivedAtUs: payload.receivedAtUs,
      window: { maxAgeUs: payload.maxAgeUs, maxFutureUs: payload.maxFutureUs },
    };
    const added = emitBetterStackSamples(payload.body, format, ctx, payload.org, betterStackShapes, rows);
    if (added !== undefined)
      return { ok: true, samples: added, rejected: [], registrations: [], path: 'shapes' };
    const result = processBetterStackPayload(payload.body, format, ctx);
    if (!result.ok) return result;
    rows.addSamples(result.samples);
    return {
      ok: true,
      samples: result.samples.length,
      rejected: result.rejected,
      registrations: [],
      path: 'decoded',
    };
  }
  const ctx = {
    receivedAtUs: payload.receivedAtUs,
    maxFieldsPerRecord: payload.maxFieldsPerRecord,
    knownTypes,
  };
  const fast = emitOpenObserveSamples(payload.body, ctx, payload.org, openObserveShapes, rows);
  if (fast !== undefined)
    return {
      ok: true,
      samples: fast.samples,
      rejected: [],
      registrations: fast.registrations,
      path: 'shapes',
    };
  const result = processOpenObservePayload(payload.body, ctx);
  if (!result.ok) return result;
  rows.addSamples(result.samples);
  return {
    ok: true,
    samples: result.samples.length,
    rejected: result.rejected,
    registrations: result.registrations,
    path: 'decoded',
  };
}
