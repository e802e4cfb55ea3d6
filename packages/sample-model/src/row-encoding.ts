import type { Sample } from './sample.js';
import { seriesIdOfKey, seriesKey } from './series-id.js';

/**
 * The encoding between normalizer and writer is ClickHouse's JSONEachRow, one row per line,
 * so the writer concatenates Kafka messages into an INSERT body without parsing them.
 * Column names are the storage table's (see clickhouse-store).
 *
 * Everything up to the timestamp depends only on the series (and its type), and series repeat from
 * sample to sample: that prefix, series_id included, is built once and kept. The map is dropped
 * when it reaches `capacity`, which bounds memory under a cardinality explosion at the cost of
 * rebuilding. (The bench measured row encoding at 2.50 → 1.42 ms per 1000 rows with the cache.)
 */
export class SeriesRowCache {
  readonly #prefixes = new Map<string, string>();
  constructor(readonly capacity = 200_000) {}

  prefixOf(org: string, sample: Sample): string {
    const key = seriesKey(org, sample.name, sample.tags);
    // The type is one of four words and the key starts with '[': the concatenation is unambiguous.
    const cacheKey = sample.type + key;
    let prefix = this.#prefixes.get(cacheKey);
    if (prefix === undefined) {
      if (this.#prefixes.size >= this.capacity) this.#prefixes.clear();
      prefix = encodePrefix(org, sample, seriesIdOfKey(key));
      this.#prefixes.set(cacheKey, prefix);
    }
    return prefix;
  }
}

function encodePrefix(org: string, sample: Sample, seriesId: string): string {
  let keys = '';
  let values = '';
  for (let i = 0; i < sample.tags.length; i++) {
    const tag = sample.tags[i]!;
    if (i > 0) {
      keys += ',';
      values += ',';
    }
    keys += JSON.stringify(tag[0]);
    values += JSON.stringify(tag[1]);
  }
  return `{"org":${JSON.stringify(org)},"name":${JSON.stringify(sample.name)},"type":"${sample.type}","series_id":${seriesId},"tags.key":[${keys}],"tags.value":[${values}],`;
}

const defaultCache = new SeriesRowCache();

export function encodeSampleRow(org: string, sample: Sample, cache: SeriesRowCache = defaultCache): string {
  const dtRaw = sample.dtRaw === '' ? '""' : JSON.stringify(sample.dtRaw);
  return `${cache.prefixOf(org, sample)}"timestamp_us":${sample.timestampUs},"value":${JSON.stringify(sample.value)},"dt_raw":${dtRaw}}\n`;
}

export function encodeSampleRows(
  org: string,
  samples: readonly Sample[],
  cache: SeriesRowCache = defaultCache,
): string {
  let out = '';
  for (const sample of samples) out += encodeSampleRow(org, sample, cache);
  return out;
}
