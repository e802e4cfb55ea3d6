import type { MetricType } from './metric-type.js';

/** One label. Kept as a pair, never as an object key, so `__proto__` is just another label. */
export type Tag = readonly [key: string, value: string];

/**
 * One normalised data point of one series, as both dialects produce it and the writer stores it.
 * The org is not part of it: it travels once per payload.
 */
export interface Sample {
  readonly name: string;
  readonly type: MetricType;
  /** Sorted by key, keys unique. Build with `makeSample` or `sortTags` to keep that true. */
  readonly tags: readonly Tag[];
  /** Integer microseconds since the Unix epoch. */
  readonly timestampUs: number;
  /** Always finite: dialects reject NaN and infinities before a Sample exists. */
  readonly value: number;
  /** A Better Stack `dt` that could not be parsed, else ''. */
  readonly dtRaw: string;
}

const byKey = (a: Tag, b: Tag): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * A stable sort by key for the few tags a series has: Array#sort calls its comparator through the
 * builtin, which cost more than the sorting (7 % of the normalizer for four unsorted tags).
 */
function insertionSorted(tags: readonly Tag[]): Tag[] {
  const out = tags.slice();
  for (let i = 1; i < out.length; i++) {
    const tag = out[i]!;
    let j = i - 1;
    while (j >= 0 && out[j]![0] > tag[0]) {
      out[j + 1] = out[j]!;
      j--;
    }
    out[j + 1] = tag;
  }
  return out;
}

/**
 * Sorts tags by key (UTF-16 code unit order, same as ClickHouse's byte order for ASCII keys)
 * and keeps the last value of a repeated key, so a series has exactly one identity.
 */
export function sortTags(tags: readonly Tag[]): Tag[] {
  if (tags.length === 0) return [];
  // Most tag lists arrive sorted (clients and expandMetric write them so): check, do not sort.
  let inOrder = true;
  for (let i = 1; i < tags.length && inOrder; i++) inOrder = tags[i - 1]![0] < tags[i]![0];
  if (inOrder) return tags.slice();
  const sorted = tags.length <= 16 ? insertionSorted(tags) : [...tags].sort(byKey);
  const out: Tag[] = [];
  for (const tag of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last[0] === tag[0]) out[out.length - 1] = tag;
    else out.push(tag);
  }
  return out;
}

/** Sorted tags with one more (replacing a tag of the same key): for the points of a histogram or summary. */
export function withTag(sorted: readonly Tag[], tag: Tag): Tag[] {
  const out: Tag[] = [];
  let placed = false;
  for (const t of sorted) {
    if (!placed && t[0] >= tag[0]) {
      out.push(tag);
      placed = true;
      if (t[0] === tag[0]) continue;
    }
    out.push(t);
  }
  if (!placed) out.push(tag);
  return out;
}

export function makeSample(fields: {
  name: string;
  type: MetricType;
  tags: readonly Tag[];
  timestampUs: number;
  value: number;
  dtRaw?: string;
}): Sample {
  return {
    name: fields.name,
    type: fields.type,
    tags: sortTags(fields.tags),
    timestampUs: fields.timestampUs,
    value: fields.value,
    dtRaw: fields.dtRaw ?? '',
  };
}

/**
 * Where a dialect's samples go, series first: a dialect that knows a record's series from an
 * earlier one (record-shapes) asks for each series once and then adds rows by it.
 */
export interface SampleSink<S> {
  seriesOf(sample: Sample): S;
  add(series: S, timestampUs: number, value: number, dtRaw: string): void;
}
