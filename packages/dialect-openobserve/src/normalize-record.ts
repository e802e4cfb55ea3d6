import { makeSample, type Sample, type Tag } from '@pipeline/sample-model';
import { describeValue, jsonKind } from './describe-value.js';
import { collectLabel, KEY_TOO_LONG, MAX_LABEL_KEY_LENGTH } from './labels.js';
import { parseMetricType } from './metric-type.js';
import { formatLabelKey, formatStreamName } from './names.js';
import { resolveTimestamp } from './timestamp.js';
import type { PayloadTypes } from './type-registry.js';
import type { OpenObserveContext } from './types.js';

/** Where a record without a usable `__name__` is counted in the per-stream status. */
export const UNKNOWN_STREAM = '_unknown';

/** `sample` is undefined for a type row (it registers a type and stores nothing) and in status-only mode. */
export type RecordResult =
  | { ok: true; stream: string; sample: Sample | undefined }
  | { ok: false; stream: string; reason: string };

/**
 * Decides one record: its stream, and its sample or the first reason it fails. Checks run in a
 * fixed order (name, type, labels, field count, timestamp, value, registered type) so that a
 * record with several faults always reports the same one, in the receiver and the normalizer.
 * Only a record that passes everything may register its stream's type.
 */
export function normalizeRecord(record: unknown, ctx: OpenObserveContext, types: PayloadTypes): RecordResult {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return failed(UNKNOWN_STREAM, `record must be a JSON object, got ${jsonKind(record)}`);
  }
  const fields = record as Record<string, unknown>;
  let name: unknown;
  let type: unknown;
  let value: unknown;
  let hasValue = false;
  let timestamp: unknown;
  let hasTimestamp = false;
  let atTimestamp: unknown;
  let fieldCount = 0;
  let labelReason: string | undefined;
  // Tags are most of the cost of a record; a status-only caller does not pay for them.
  const tags: Tag[] | undefined = ctx.statusOnly === true ? undefined : [];

  // One pass over own keys: reading only own keys keeps `__proto__` and friends plain data.
  for (const key of Object.keys(fields)) {
    const field = fields[key];
    switch (key) {
      case '__name__':
        name = field;
        fieldCount++;
        break;
      case '__type__':
        type = field;
        fieldCount++;
        break;
      case 'value':
        value = field;
        hasValue = true;
        fieldCount++;
        break;
      case '_timestamp':
        timestamp = field;
        hasTimestamp = true;
        fieldCount++;
        break;
      case '@timestamp':
        atTimestamp = field;
        fieldCount++;
        break;
      default: {
        // After a bad label the record is lost; keep scanning only for `__name__` and `__type__`.
        if (labelReason !== undefined) break;
        const labelKey = formatLabelKey(key);
        const counted = collectLabel(tags, labelKey, field);
        if (counted >= 0) fieldCount += counted;
        else labelReason = labelFailure(labelKey, counted);
      }
    }
  }

  if (typeof name !== 'string' || name === '') {
    return failed(
      UNKNOWN_STREAM,
      name === undefined
        ? '__name__ is required'
        : `__name__ must be a non-empty string, got ${describeValue(name)}`,
    );
  }
  const stream = formatStreamName(name);
  const metricType = parseMetricType(type);
  if (typeof metricType === 'object') return failed(stream, metricType.reason);
  if (labelReason !== undefined) return failed(stream, labelReason);
  if (fieldCount > ctx.maxFieldsPerRecord) {
    return failed(
      stream,
      `record has ${fieldCount} fields, more than the limit of ${ctx.maxFieldsPerRecord}`,
    );
  }
  const timestampUs = hasTimestamp
    ? resolveTimestamp('_timestamp', timestamp, ctx.receivedAtUs)
    : resolveTimestamp('@timestamp', atTimestamp, ctx.receivedAtUs);
  if (typeof timestampUs === 'object') return failed(stream, timestampUs.reason);

  const isTypeRow = !hasValue && (metricType === 'histogram' || metricType === 'summary');
  if (!isTypeRow) {
    if (typeof value !== 'number') return failed(stream, 'value is required and must be a number');
    // JSON.parse turns an overflowing literal such as 1e400 into Infinity.
    if (!Number.isFinite(value)) return failed(stream, 'value is out of the float64 range');
  }
  const typeReason = types.admit(stream, metricType);
  if (typeReason !== undefined) return failed(stream, typeReason);
  if (isTypeRow || tags === undefined) return { ok: true, stream, sample: undefined };
  return {
    ok: true,
    stream,
    sample: makeSample({ name: stream, type: metricType, tags, timestampUs, value: value as number }),
  };
}

function failed(stream: string, reason: string): RecordResult {
  return { ok: false, stream, reason };
}

function labelFailure(labelKey: string, code: number): string {
  return code === KEY_TOO_LONG
    ? `label ${describeValue(labelKey)} has a key longer than ${MAX_LABEL_KEY_LENGTH} characters after flattening`
    : `label ${describeValue(labelKey)} is an array nested too deeply to encode`;
}
