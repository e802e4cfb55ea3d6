import { isPlainObject, toFiniteNumber } from './value-shape.js';

/** A gauge or counter: one value. */
export interface SingleValue {
  readonly kind: 'single';
  readonly type: 'gauge' | 'counter';
  readonly value: number;
}

/** A histogram or summary: one point per bucket or quantile, labelled by `labelKey`, plus sum and count. */
export interface Distribution {
  readonly kind: 'distribution';
  readonly type: 'histogram' | 'summary';
  readonly count: number;
  readonly sum: number;
  readonly labelKey: 'upper_limit' | 'quantile';
  readonly labels: readonly string[];
  readonly values: readonly number[];
}

export type MetricBody = SingleValue | Distribution;

const KINDS = ['gauge', 'counter', 'histogram', 'summary'] as const;

/**
 * Finds the one metric kind of a record and validates its values, or returns the reason the record
 * is invalid. A kind set to null counts as absent: serializers often write every optional field.
 */
export function readMetric(record: Record<string, unknown>): MetricBody | string {
  const { gauge, counter, histogram, summary } = record;
  const present =
    Number(gauge != null) + Number(counter != null) + Number(histogram != null) + Number(summary != null);
  if (present !== 1)
    return `exactly one of gauge, counter, histogram, summary is required (found: ${found(record)})`;
  if (gauge != null) return readSingle('gauge', gauge);
  if (counter != null) return readSingle('counter', counter);
  if (histogram != null) return readHistogram(histogram);
  return readSummary(summary);
}

function found(record: Record<string, unknown>): string {
  const names = KINDS.filter((kind) => record[kind] != null);
  return names.length === 0 ? 'none' : names.join(', ');
}

function readSingle(type: 'gauge' | 'counter', body: unknown): SingleValue | string {
  if (!isPlainObject(body)) return `${type} must be an object with a value`;
  const value = toFiniteNumber(body.value);
  return value === undefined ? `${type}.value must be a finite number` : { kind: 'single', type, value };
}

function readHistogram(body: unknown): Distribution | string {
  if (!isPlainObject(body)) return 'histogram must be an object with count, sum and buckets';
  const count = toFiniteNumber(body.count);
  if (count === undefined) return 'histogram.count must be a finite number';
  const sum = toFiniteNumber(body.sum);
  if (sum === undefined) return 'histogram.sum must be a finite number';
  const buckets = body.buckets;
  if (!Array.isArray(buckets)) return 'histogram.buckets must be an array';
  const labels: string[] = new Array(buckets.length);
  const values: number[] = new Array(buckets.length);
  for (let i = 0; i < buckets.length; i++) {
    const bucket: unknown = buckets[i];
    if (!isPlainObject(bucket)) return `histogram.buckets[${i}] must be an object with upper_limit and count`;
    const label = upperLimitText(bucket.upper_limit);
    if (label === undefined) return `histogram.buckets[${i}].upper_limit must be a finite number or "+Inf"`;
    const value = toFiniteNumber(bucket.count);
    if (value === undefined) return `histogram.buckets[${i}].count must be a finite number`;
    labels[i] = label;
    values[i] = value;
  }
  return { kind: 'distribution', type: 'histogram', count, sum, labelKey: 'upper_limit', labels, values };
}

function readSummary(body: unknown): Distribution | string {
  if (!isPlainObject(body)) return 'summary must be an object with count, sum and quantiles';
  const count = toFiniteNumber(body.count);
  if (count === undefined) return 'summary.count must be a finite number';
  const sum = toFiniteNumber(body.sum);
  if (sum === undefined) return 'summary.sum must be a finite number';
  const quantiles = body.quantiles;
  if (!Array.isArray(quantiles)) return 'summary.quantiles must be an array';
  const labels: string[] = new Array(quantiles.length);
  const values: number[] = new Array(quantiles.length);
  for (let i = 0; i < quantiles.length; i++) {
    const point: unknown = quantiles[i];
    if (!isPlainObject(point)) return `summary.quantiles[${i}] must be an object with quantile and value`;
    const quantile = toFiniteNumber(point.quantile);
    if (quantile === undefined) return `summary.quantiles[${i}].quantile must be a finite number`;
    const value = toFiniteNumber(point.value);
    if (value === undefined) return `summary.quantiles[${i}].value must be a finite number`;
    labels[i] = String(quantile);
    values[i] = value;
  }
  return { kind: 'distribution', type: 'summary', count, sum, labelKey: 'quantile', labels, values };
}

/**
 * The stored text of a bucket bound: String(n) for numbers (0.1 → "0.1", 1.0 → "1"), "+Inf" for the
 * spellings of infinity. A float +Infinity is taken too: it is what Python and Go clients hold for
 * the last bucket and what their MessagePack encoders send.
 */
function upperLimitText(value: unknown): string | undefined {
  if (typeof value === 'string') {
    if (value.length < 3 || value.length > 4) return undefined;
    const lower = value.toLowerCase();
    return lower === 'inf' || lower === '+inf' ? '+Inf' : undefined;
  }
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  const bound = toFiniteNumber(value);
  return bound === undefined ? undefined : String(bound);
}
