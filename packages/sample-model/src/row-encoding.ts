import { viewOf } from '@pipeline/byte-ranges';
import { METRIC_TYPES, type MetricType } from './metric-type.js';
import type { Sample, Tag } from './sample.js';
import type { FeedSlot, SeriesFeed } from './series-feed.js';
import { seriesIdDigest, seriesKey } from './series-id.js';

/**
 * The encoding between normalizer and writer is ClickHouse's RowBinary, in this column order (the
 * storage table's names), so the writer concatenates Kafka messages into an INSERT body without
 * reading them. RowBinary because ClickHouse reads it for about half the CPU of TabSeparated (which
 * was four times cheaper than JSONEachRow), the normalizer writes numbers as their eight bytes
 * instead of printing them, and rows are a quarter smaller (docs/benchmarks.md). Every server
 * version reads it, and it does not depend on the columns' codecs or LowCardinality.
 */
export const SAMPLE_ROW_COLUMNS = [
  'org',
  'name',
  'type',
  'series_id',
  'tags.key',
  'tags.value',
  'timestamp_us',
  'value',
  'dt_raw',
] as const;

export interface SeriesEntry {
  readonly org: string;
  readonly name: string;
  readonly type: MetricType;
  readonly tags: readonly Tag[];
  /** org, name, type, series_id and tags as RowBinary: everything before the timestamp. */
  readonly prefix: Buffer;
  next: SeriesEntry | undefined;
  /** What a SeriesFeed holds for this series until its next report, one slot per UTC day. */
  feed: FeedSlot | undefined;
}

/**
 * Everything up to the timestamp depends only on the series (and its type), and series repeat from
 * sample to sample: that prefix, series_id included, is built once and kept. Series are found by a
 * hash of their fields computed in place (no key string: building and hashing one per sample cost
 * more than the rest of the row), then compared field by field. The map is dropped when it reaches
 * `capacity`, which bounds memory under a cardinality explosion at the cost of rebuilding.
 */
export class SeriesRowCache {
  readonly #entries = new Map<number, SeriesEntry>();
  #size = 0;
  constructor(readonly capacity = 200_000) {}

  entryOf(org: string, sample: Sample): SeriesEntry {
    const hash = seriesHash(org, sample);
    const first = this.#entries.get(hash);
    for (let e = first; e !== undefined; e = e.next) {
      if (e.type === sample.type && e.name === sample.name && e.org === org && sameTags(e.tags, sample.tags))
        return e;
    }
    if (this.#size >= this.capacity) {
      this.#entries.clear();
      this.#size = 0;
    }
    const prefix = encodePrefix(org, sample);
    const entry: SeriesEntry = {
      org,
      name: sample.name,
      type: sample.type,
      tags: sample.tags,
      prefix,
      next: this.#entries.get(hash),
      feed: undefined,
    };
    this.#entries.set(hash, entry);
    this.#size++;
    return entry;
  }
}

function sameTags(a: readonly Tag[], b: readonly Tag[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]![0] !== b[i]![0] || a[i]![1] !== b[i]![1]) return false;
  }
  return true;
}

// The running hash of seriesHash (module state: a closure per call cost more than the hashing).
let h = 0;

function mix(text: string): void {
  let a = h;
  for (let i = 0; i < text.length; i++) a = Math.imul(a ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(a ^ text.length, 0x01000193);
}

/**
 * FNV-1a over the series' text, lengths mixed in, cut to 30 bits so that it is a small integer
 * (a Map keyed by heap numbers, as a 53-bit hash was, hashes and allocates on every lookup).
 * Collisions only lengthen a chain: entries are compared field by field.
 */
export function seriesHash(org: string, sample: Sample): number {
  h = 0x811c9dc5 ^ sample.tags.length;
  mix(org);
  mix(sample.name);
  const tags = sample.tags;
  for (let i = 0; i < tags.length; i++) {
    mix(tags[i]![0]);
    mix(tags[i]![1]);
  }
  return (h ^ (h >>> 15)) & 0x3fffffff;
}

/** Enum8 codes of `type`, as the table declares them: 1 for METRIC_TYPES[0] and so on. */
export const METRIC_TYPE_CODES: Readonly<Record<MetricType, number>> = Object.fromEntries(
  METRIC_TYPES.map((type, i) => [type, i + 1]),
) as Record<MetricType, number>;

// Where a series' prefix is written before it is copied out at its size (grown for long ones).
let scratch = Buffer.allocUnsafe(4096);

/**
 * org, name, type, series_id and the tags as RowBinary, in one buffer of their size: a new series
 * costs this, and bodies of new series (a new org, a label that changes) pay it for every sample.
 */
function encodePrefix(org: string, sample: Sample): Buffer {
  const tags = sample.tags;
  let bound = 10 + 3 * (org.length + sample.name.length) + 1 + 8 + 10;
  for (let i = 0; i < tags.length; i++) bound += 10 + 3 * (tags[i]![0].length + tags[i]![1].length);
  if (bound > scratch.length) scratch = Buffer.allocUnsafe(bound);
  const b = scratch;
  let at = writeString(b, 0, org);
  at = writeString(b, at, sample.name);
  b[at++] = METRIC_TYPE_CODES[sample.type];
  // series_id is a UInt64, little-endian; the digest's first 8 bytes are it big-endian.
  const digest = seriesIdDigest(seriesKey(org, sample.name, tags));
  for (let i = 0; i < 8; i++) b[at + i] = digest[7 - i]!;
  at += 8;
  at = writeLeb128(b, at, tags.length);
  for (let i = 0; i < tags.length; i++) at = writeString(b, at, tags[i]![0]);
  at = writeLeb128(b, at, tags.length);
  for (let i = 0; i < tags.length; i++) at = writeString(b, at, tags[i]![1]);
  const prefix = Buffer.allocUnsafe(at);
  b.copy(prefix, 0, 0, at);
  return prefix;
}

function writeLeb128(b: Buffer, at: number, n: number): number {
  let v = n;
  let i = at;
  while (v >= 0x80) {
    b[i++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  b[i++] = v;
  return i;
}

const TWO_32 = 4_294_967_296;

/**
 * RowBinary rows written straight into a buffer: a cached prefix per series, then the timestamp
 * (Int64) and value (Float64) as their little-endian bytes and dt_raw as a String.
 */
export class SampleRowWriter {
  #buffer: Buffer;
  #view: DataView;
  #length = 0;
  rows = 0;

  constructor(
    readonly cache: SeriesRowCache = defaultCache,
    initialBytes = 256 * 1024,
  ) {
    this.#buffer = Buffer.allocUnsafe(initialBytes);
    this.#view = viewOf(this.#buffer);
  }

  get byteLength(): number {
    return this.#length;
  }

  /** One sample's row; a `feed` given notes it among its series' first and last rows of the day. */
  write(org: string, sample: Sample, feed?: SeriesFeed): void {
    const entry = this.cache.entryOf(org, sample);
    if (feed !== undefined) feed.note(entry, sample);
    this.writeRow(entry.prefix, sample.timestampUs, sample.value, sample.dtRaw);
  }

  /** A row from its series' prefix (SeriesRowCache) and the sample's own fields. */
  writeRow(prefix: Buffer, timestampUs: number, value: number, dtRaw: string): void {
    // 16 bytes of numbers, then dt_raw: at most 3 UTF-8 bytes per UTF-16 unit and a 5-byte length.
    this.#reserve(prefix.length + 21 + 3 * dtRaw.length);
    const b = this.#buffer;
    const view = this.#view;
    // set(): a builtin copy; Buffer#copy goes through a binding, which costs more for ~100 bytes.
    b.set(prefix, this.#length);
    let at = this.#length + prefix.length;
    // Int64 from a safe integer, negative ones too: the low 32 bits, then the (signed) high ones.
    const high = Math.floor(timestampUs / TWO_32);
    view.setUint32(at, timestampUs - high * TWO_32, true);
    view.setInt32(at + 4, high, true);
    view.setFloat64(at + 8, value, true);
    at += 16;
    this.#length = writeString(b, at, dtRaw);
    this.rows++;
  }

  /** The rows written so far, as their own buffer; the writer starts over. */
  take(): Buffer {
    return Buffer.from(this.takeView());
  }

  /**
   * The rows written so far as a view of the writer's own buffer, which its next write overwrites;
   * the writer starts over. For a caller that copies them before writing again, as compressing
   * them does: take() would copy them once more.
   */
  takeView(): Buffer {
    const rows = this.#buffer.subarray(0, this.#length);
    this.#length = 0;
    this.rows = 0;
    return rows;
  }

  #reserve(bytes: number): void {
    if (this.#length + bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#length + bytes));
    this.#buffer.copy(grown, 0, 0, this.#length);
    this.#buffer = grown;
    this.#view = viewOf(grown);
  }
}

/**
 * A String at `at` (room for it reserved); returns where it ends. dt_raw is short and mostly ASCII
 * or empty: copied a unit at a time (Buffer#write's binding costs more for a few bytes), and
 * written again by Buffer#write from the start when it turns out not to be ASCII or 128 long.
 */
function writeString(b: Buffer, at: number, text: string): number {
  const length = text.length;
  if (length < 0x80) {
    let i = 0;
    for (; i < length; i++) {
      const unit = text.charCodeAt(i);
      if (unit >= 0x80) break;
      b[at + 1 + i] = unit;
    }
    if (i === length) {
      b[at] = length;
      return at + 1 + length;
    }
  }
  const textAt = writeLeb128(b, at, Buffer.byteLength(text, 'utf8'));
  return textAt + b.write(text, textAt, 'utf8');
}

const defaultCache = new SeriesRowCache();

/** RowBinary rows of the samples. Values are finite, so each is stored exactly. */
export function encodeSampleRows(
  org: string,
  samples: readonly Sample[],
  cache: SeriesRowCache = defaultCache,
): Buffer {
  const writer = new SampleRowWriter(cache, 1024);
  for (const sample of samples) writer.write(org, sample);
  return writer.take();
}
