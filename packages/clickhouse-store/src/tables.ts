/** Table names inside the metrics database. Users query `samples`; the rest is ours. */
export const TABLES = {
  /** The view users and tests query (CONTRACT.md §4): each (org, series_id, timestamp_us) once. */
  samples: 'samples',
  /** Modern servers only: `samples` plus `ts` (DateTime64(6)) and `tags_map` (Map(String, String)). */
  samplesExt: 'samples_ext',
  /** Where rows are stored; a ReplacingMergeTree that collapses re-delivered rows. */
  sampleRows: 'sample_rows',
  /** One row per series and day (first/last sample time), so listing series never scans samples. */
  series: 'series',
  /**
   * A Null table with sample_rows' columns: it stores nothing, it feeds the two views below. The
   * writer inserts here the first and last row of each series and day that the normalizer reports
   * every few seconds, so the views run a few times a minute instead of on every insert.
   */
  seriesFeed: 'series_feed',
  seriesFeedMv: 'series_feed_mv',
  /** Type (and later unit, help) per (org, name). */
  metricMetadata: 'metric_metadata',
  metricMetadataFeedMv: 'metric_metadata_feed_mv',
  /** Migrations 3 and 4 put the views on sample_rows under these names; migration 8 drops them. */
  seriesMvBefore8: 'series_mv',
  metricMetadataMvBefore8: 'metric_metadata_mv',
  migrations: 'schema_migrations',
} as const;
