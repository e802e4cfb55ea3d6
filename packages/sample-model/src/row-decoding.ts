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
  const size = () => {
    let n = 0;
    let shift = 1;
    for (;;) {
      if (at >= bytes.length) throw new Error('a length runs past the end of the rows');
      const byte = bytes[at++]!;
      n += (byte & 0x7f) * shift;
      if (byte < 0x80) return n;
      shift *= 128;
    }
  };
  const string = () => {
    const length = size();
    at += length;
    if (at > bytes.length) throw new Error('a string runs past the end of the rows');
    return bytes.toString('utf8', at - length, at);
  };
  const strings = () => Array.from({ length: size() }, string);
  const rows: SampleRow[] = [];
  while (at < bytes.length) {
    const org = string();
    const name = string();
    const code = bytes.readInt8(at++);
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
  // Skips a String at `at`; -1 when it runs past the end.
  const skipString = (from: number): number => {
    let length = 0;
    let shift = 1;
    let i = from;
    for (;;) {
      if (i >= end || shift > 2 ** 28) return -1;
      const byte = bytes[i++]!;
      length += (byte & 0x7f) * shift;
      if (byte < 0x80) break;
      shift *= 128;
    }
    return i + length <= end ? i + length : -1;
  };
  const skipStrings = (from: number): number => {
    let items = 0;
    let shift = 1;
    let i = from;
    for (;;) {
      if (i >= end || shift > 2 ** 28) return -1;
      const byte = bytes[i++]!;
      items += (byte & 0x7f) * shift;
      if (byte < 0x80) break;
      shift *= 128;
    }
    for (let k = 0; k < items && i !== -1; k++) i = skipString(i);
    return i;
  };
  while (at < end) {
    row++;
    what = 'org';
    at = skipString(at);
    if (at === -1) break;
    what = 'name';
    at = skipString(at);
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
    at = skipStrings(at + 9);
    if (at === -1) break;
    what = 'tags.value';
    at = skipStrings(at);
    if (at === -1) break;
    what = 'timestamp_us and value';
    if (at + 16 > end) {
      at = -1;
      break;
    }
    what = 'dt_raw';
    at = skipString(at + 16);
    if (at === -1) break;
  }
  if (at === -1) return `row ${row}: ${what} runs past the end of the rows`;
  return row === count ? undefined : `holds ${row} rows, not the ${count} its header says`;
}
