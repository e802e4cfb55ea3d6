import type { Sample } from '@pipeline/sample-model';
import { checkTimeWindow, type TimeWindow } from '@pipeline/timestamp-rules';
import { expandMetric } from './expand.js';
import { readMetric } from './read-metric.js';
import { readTags } from './read-tags.js';
import { resolveDt } from './resolve-dt.js';
import { describeValue, isPlainObject } from './value-shape.js';

export interface BetterStackContext {
  /** Reception time; the only clock the dialect sees, so receiver and normalizer agree. */
  receivedAtUs: number;
  window: TimeWindow;
  /**
   * Validate only: every verdict is reached as usual but no sample is built. The receiver answers
   * with counts and the normalizer builds the samples from the same bytes (bench: −28 % per body).
   */
  statusOnly?: boolean;
}

export type RecordResult = { ok: true; samples: Sample[] } | { ok: false; reason: string };

/** Validates one record and expands it into samples. */
export function normalizeBetterStackRecord(record: unknown, ctx: BetterStackContext): RecordResult {
  const samples: Sample[] = [];
  const reason = normalizeInto(record, ctx, samples);
  return reason === undefined ? { ok: true, samples } : { ok: false, reason };
}

/**
 * Appends the record's samples to `out` and returns undefined, or returns why it is invalid and
 * appends nothing: everything is validated before the first sample is built. The payload loop
 * uses this directly to avoid an array and a result object per record.
 */
export function normalizeInto(record: unknown, ctx: BetterStackContext, out: Sample[]): string | undefined {
  if (!isPlainObject(record)) return `record must be an object (found: ${describeValue(record)})`;
  const name = record.name;
  if (typeof name !== 'string' || name.length === 0) return 'name is required and must be a non-empty string';
  const metric = readMetric(record);
  if (typeof metric === 'string') return metric;
  const tags = readTags(record.tags);
  if (typeof tags === 'string') return tags;
  const dt = record.dt;
  // Most records carry no dt: reception time is always inside the window, so skip both steps.
  if (dt === undefined || dt === null) {
    if (ctx.statusOnly !== true) expandMetric(name, metric, tags, ctx.receivedAtUs, '', out);
    return undefined;
  }
  const time = resolveDt(dt, ctx.receivedAtUs);
  const outside = checkTimeWindow(time.timestampUs, ctx.receivedAtUs, ctx.window);
  if (outside !== undefined) return outside;
  if (ctx.statusOnly !== true) expandMetric(name, metric, tags, time.timestampUs, time.dtRaw, out);
  return undefined;
}
