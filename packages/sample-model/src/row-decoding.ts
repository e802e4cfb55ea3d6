import { METRIC_TYPES, type MetricType } from './metric-type.js';

/** A row as ClickHouse reads it: series_id as decimal text (it does not fit a number). */
export interface SampleRow {
  readonly org: string;
  readonly name: string;
  readonly type: MetricType;
  readonly series_id: string;
  readonly 'tags.key': readonly string[];
  readonly 'tags.value': readonly string[];
  readonly timestamp_us: number;
  readonly value: number;
  readonly dt_raw: string;
}

/**
 * Reads rows of the normalizer's encoding back (for tests and for looking into a message by hand):
 * RowBinary of SAMPLE_ROW_COLUMNS' types. A message cut short, or a type code that is not one,
 * throws, as ClickHouse refuses them.
 */
export function decodeSampleRows(bytes: Buffer): SampleRow[] {
  let at = 0;
  const string = () => {
    const start = skipLeb128(bytes, at);
    if (start === -1) throw new Error('a length runs past the end of the rows');
    at = start + leb128Value;
    if (at > bytes.length) throw new Error('a string runs past the end of the rows');
    return bytes.toString('utf8', start, at);
  };
  const size = () => {
    at = skipLeb128(bytes, at);
    if (at === -1) throw new Error('a length runs past the end of the rows');
    return leb128Value;
  };
  const strings = () => Array.from({ length: size() }, string);
  const rows: SampleRow[] = [];
  while (at < bytes.length) {
    const org = string();
    const name = string();
    const code = bytes.readUInt8(at++);
    const type = METRIC_TYPES[code - 1];
    if (type === undefined) throw new Error(`type code ${code} is not one of the Enum8's`);
    const seriesId = bytes.readBigUInt64LE(at).toString();
    at += 8;
    const keys = strings();
    const values = strings();
    const timestamp = bytes.readBigInt64LE(at);
    const value = bytes.readDoubleLE(at + 8);
    at += 16;
    rows.push({
      org,
      name,
      type,
      series_id: seriesId,
      'tags.key': keys,
      'tags.value': values,
      timestamp_us: Number(timestamp),
      value,
      dt_raw: string(),
    });
  }
  return rows;
}

/**
 * Why `bytes` are not exactly `count` whole rows of the encoding, or undefined when they are. The
 * writer concatenates messages into one INSERT, and RowBinary has no row separator: a message cut
 * short would shift every row after it, and ClickHouse stores an Enum8 code it does not know rather
 * than refuse it. So each message is walked once before it joins an insert (lengths skipped, not
 * read into strings), at a small fraction of what the insert costs per row.
 */
export function sampleRowsError(bytes: Uint8Array, count: number): string | undefined {
  const end = bytes.length;
  let at = 0;
  let row = 0;
  let what = '';
  while (at < end) {
    row++;
    what = 'org';
    at = skipString(bytes, at, end);
    if (at === -1) break;
    what = 'name';
    at = skipString(bytes, at, end);
    if (at === -1) break;
    what = 'type and series_id';
    if (at + 9 > end) {
      at = -1;
      break;
    }
    const code = bytes[at]!;
    if (code < 1 || code > METRIC_TYPES.length)
      return `row ${row}: type code ${code} is not one of the Enum8's`;
    what = 'tags.key';
    at = skipStrings(bytes, at + 9, end);
    if (at === -1) break;
    what = 'tags.value';
    at = skipStrings(bytes, at, end);
    if (at === -1) break;
    what = 'timestamp_us and value';
    if (at + 16 > end) {
      at = -1;
      break;
    }
    what = 'dt_raw';
    at = skipString(bytes, at + 16, end);
    if (at === -1) break;
  }
  if (at === -1) return `row ${row}: ${what} runs past the end of the rows`;
  return row === count ? undefined : `holds ${row} rows, not the ${count} its header says`;
}

/*
 * A length under 128 is one byte of LEB128, and nearly every length of a metric's row is: read in
 * place, not through skipLeb128, they make the walk 3-4x as fast (29-37 against 95-145 ns a row
 * of the bench's data set, scratch, docs/benchmarks.md, twenty-first round).
 */

/** Skips a String at `from`; -1 when it runs past `end`. */
function skipString(bytes: Uint8Array, from: number, end: number): number {
  if (from >= end) return -1;
  const first = bytes[from]!;
  if (first < 0x80) return from + 1 + first <= end ? from + 1 + first : -1;
  const start = skipLeb128(bytes, from);
  return start !== -1 && start + leb128Value <= end ? start + leb128Value : -1;
}

/** Skips an Array(String) at `from`; -1 when it runs past `end`. */
function skipStrings(bytes: Uint8Array, from: number, end: number): number {
  if (from >= end) return -1;
  const first = bytes[from]!;
  let i = from + 1;
  let left = first;
  if (first >= 0x80) {
    i = skipLeb128(bytes, from);
    if (i === -1) return -1;
    left = leb128Value;
  }
  for (; left > 0 && i !== -1; left--) i = skipString(bytes, i, end);
  return i;
}

// The value of the last LEB128 skipLeb128 read (module state, as seriesHash's: returning a pair
// would allocate once per string).
let leb128Value = 0;

/** Reads the unsigned LEB128 at `from` into leb128Value; returns where it ends, or -1 past the end. */
function skipLeb128(bytes: Uint8Array, from: number): number {
  let value = 0;
  let shift = 1;
  for (let i = from; i < bytes.length && shift <= 2 ** 28; shift *= 128) {
    const byte = bytes[i++]!;
    value += (byte & 0x7f) * shift;
    if (byte < 0x80) {
      leb128Value = value;
      return i;
    }
  }
  return -1;
}
