import { hash } from 'node:crypto';
import type { Tag } from './sample.js';

/**
 * The identity of a series: org, name and the sorted tags, as unambiguous text (a JSON array, so
 * no separator can be forged by a label value).
 */
export function seriesKey(org: string, name: string, tags: readonly Tag[]): string {
  const parts: string[] = [org, name];
  for (const [key, value] of tags) parts.push(key, value);
  return JSON.stringify(parts);
}

/**
 * Stable 64-bit series id: the first 8 bytes of MD5(seriesKey) as a big-endian UInt64, which is
 * exactly ClickHouse's `halfMD5(key)` on every server version, so the id can be recomputed in SQL.
 * Returned as decimal text because it does not fit a JS number.
 */
export function seriesIdOfKey(key: string): string {
  return seriesIdDigest(key).readBigUInt64BE(0).toString();
}

/** MD5(seriesKey), whose first 8 bytes are the series id, big-endian (one call: a Hash object per series cost more). */
export function seriesIdDigest(key: string): Buffer {
  return hash('md5', key, 'buffer');
}
