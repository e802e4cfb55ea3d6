import type { MetricType } from './metric-type.js';
import type { Sample, Tag } from './sample.js';
import type { FeedSlot, SeriesFeed } from './series-feed.js';
import { seriesIdOfKey, seriesKey } from './series-id.js';

/**
 * The encoding between normalizer and writer is ClickHouse's TabSeparated, one row per line, in
 * this column order (the storage table's names), so the writer concatenates Kafka messages into
 * an INSERT body without reading them. TabSeparated because ClickHouse parses it about four times
 * cheaper than JSONEachRow and it is 35 % smaller (docs/benchmarks.md); every server version has it.
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
  /** org, name, type, series_id and tags, tab-terminated: everything before the timestamp. */
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
    const prefix = Buffer.from(encodePrefix(org, sample));
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

// TabSeparated escapes (ClickHouse's writeEscapedString): a raw tab or newline would end the field.
const FIELD_ESCAPES = /[\\\t\n\r\0\b\f]/g;
// Inside an array, strings are quoted ('…'), so the quote is escaped too.
const QUOTED_ESCAPES = /[\\'\t\n\r\0\b\f]/g;
const ESCAPED: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
};
const escapeOne = (c: string) => ESCAPED[c]!;

/** A String field of a TabSeparated row. */
export function tsvField(text: string): string {
  return text.replace(FIELD_ESCAPES, escapeOne);
}

/** An Array(String) field: ['a','b'] with each element quoted. */
export function tsvArray(items: readonly string[]): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    out += `'${items[i]!.replace(QUOTED_ESCAPES, escapeOne)}'`;
  }
  return `${out}]`;
}

function encodePrefix(org: string, sample: Sample): string {
  const seriesId = seriesIdOfKey(seriesKey(org, sample.name, sample.tags));
  const keys = sample.tags.map((tag) => tag[0]);
  const values = sample.tags.map((tag) => tag[1]);
  return `${tsvField(org)}\t${tsvField(sample.name)}\t${sample.type}\t${seriesId}\t${tsvArray(keys)}\t${tsvArray(values)}\t`;
}

const TAB = 0x09;
const NEWLINE = 0x0a;

/**
 * TabSeparated rows written straight into a buffer: a cached prefix per series, then the
 * timestamp, value and dt_raw as text. (Concatenating a string per row and converting it at the
 * end cost more than the rows: flattening a rope of thousands of pieces.)
 */
export class SampleRowWriter {
  #buffer: Buffer;
  #length = 0;
  rows = 0;
  // The last timestamp's digits: a body's samples mostly share one, and copying 16 bytes is
  // cheaper than dividing them out again.
  #lastTimestamp = Number.NaN;
  readonly #lastTimestampText = new Uint8Array(24);
  #lastTimestampLength = 0;

  constructor(
    readonly cache: SeriesRowCache = defaultCache,
    initialBytes = 256 * 1024,
  ) {
    this.#buffer = Buffer.allocUnsafe(initialBytes);
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
  writeRow(prefix: Buffer, timestampUs: number, value: number, rawDt: string): void {
    // 48 bytes: the longest timestamp and value texts, the tabs and the newline.
    const dtRaw = rawDt === '' ? '' : tsvField(rawDt);
    this.#reserve(prefix.length + 48 + Buffer.byteLength(dtRaw));
    const b = this.#buffer;
    // set(): a builtin copy; Buffer#copy goes through a binding, which costs more for ~100 bytes.
    b.set(prefix, this.#length);
    let at = this.#length + prefix.length;
    at = this.#writeTimestamp(b, at, timestampUs);
    b[at++] = TAB;
    at = writeNumber(b, at, value);
    b[at++] = TAB;
    if (dtRaw !== '') at += b.write(dtRaw, at, 'utf8');
    b[at++] = NEWLINE;
    this.#length = at;
    this.rows++;
  }

  #writeTimestamp(b: Buffer, at: number, timestampUs: number): number {
    const text = this.#lastTimestampText;
    if (timestampUs === this.#lastTimestamp) {
      const length = this.#lastTimestampLength;
      for (let i = 0; i < length; i++) b[at + i] = text[i]!;
      return at + length;
    }
    const end = writeNumber(b, at, timestampUs);
    // A text longer than the cache (only a number that is not a safe integer, which no timestamp
    // is) is written but not kept.
    if (end - at <= text.length) {
      for (let i = at; i < end; i++) text[i - at] = b[i]!;
      this.#lastTimestamp = timestampUs;
      this.#lastTimestampLength = end - at;
    }
    return end;
  }

  /** The rows written so far, as their own buffer; the writer starts over. */
  take(): Buffer {
    const rows = Buffer.from(this.#buffer.subarray(0, this.#length));
    this.#length = 0;
    this.rows = 0;
    return rows;
  }

  #reserve(bytes: number): void {
    if (this.#length + bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#length + bytes));
    this.#buffer.copy(grown, 0, 0, this.#length);
    this.#buffer = grown;
  }
}

/** A finite number as JavaScript prints it (String(n)); integers digit by digit, without a string. */
function writeNumber(b: Buffer, at: number, n: number): number {
  if (!Number.isSafeInteger(n)) {
    // A number's text is ASCII and short: a loop costs less than Buffer#write's binding call.
    const text = String(n);
    for (let i = 0; i < text.length; i++) b[at + i] = text.charCodeAt(i);
    return at + text.length;
  }
  let v = n;
  if (v < 0) {
    b[at++] = 0x2d;
    v = -v;
  }
  // Above 10^9 (timestamps): the high part first, then exactly nine digits, both in 32-bit steps.
  if (v >= 1e9) {
    const high = Math.floor(v / 1e9);
    at = writeDigits(b, at, high, digitCount(high));
    return writeDigits(b, at, v - high * 1e9, 9);
  }
  return writeDigits(b, at, v, digitCount(v));
}

function digitCount(v: number): number {
  let digits = 1;
  for (let x = v; x >= 10; x = (x / 10) | 0) digits++;
  return digits;
}

/** v < 10^9 as exactly `digits` digits (zero-padded). */
function writeDigits(b: Buffer, at: number, v: number, digits: number): number {
  let x = v | 0;
  for (let i = at + digits - 1; i >= at; i--) {
    const q = (x / 10) | 0;
    b[i] = 0x30 + (x - q * 10);
    x = q;
  }
  return at + digits;
}

const defaultCache = new SeriesRowCache();

/** One TabSeparated row, newline included. Values are finite, so String() is a number ClickHouse reads back exactly. */
export function encodeSampleRow(org: string, sample: Sample, cache: SeriesRowCache = defaultCache): string {
  return encodeSampleRows(org, [sample], cache);
}

export function encodeSampleRows(
  org: string,
  samples: readonly Sample[],
  cache: SeriesRowCache = defaultCache,
): string {
  const writer = new SampleRowWriter(cache, 1024);
  for (const sample of samples) writer.write(org, sample);
  return writer.take().toString('utf8');
}
