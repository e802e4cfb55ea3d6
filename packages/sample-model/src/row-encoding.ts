import type { Sample } from './sample.js';
import { SeriesIdCache } from './series-id.js';

const defaultCache = new SeriesIdCache();

/**
 * The encoding between normalizer and writer is ClickHouse's JSONEachRow, one row per line,
 * so the writer concatenates Kafka messages into an INSERT body without parsing them.
 * Column names are the storage table's (see clickhouse-store).
 */
export function encodeSampleRow(org: string, sample: Sample, cache: SeriesIdCache = defaultCache): string {
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
  const seriesId = cache.idOf(org, sample.name, sample.tags);
  return `{"org":${JSON.stringify(org)},"name":${JSON.stringify(sample.name)},"type":"${sample.type}","series_id":${seriesId},"tags.key":[${keys}],"tags.value":[${values}],"timestamp_us":${sample.timestampUs},"value":${JSON.stringify(sample.value)},"dt_raw":${JSON.stringify(sample.dtRaw)}}\n`;
}

export function encodeSampleRows(
  org: string,
  samples: readonly Sample[],
  cache: SeriesIdCache = defaultCache,
): string {
  let out = '';
  for (const sample of samples) out += encodeSampleRow(org, sample, cache);
  return out;
}
