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
  seriesMv: 'series_mv',
  /** Type (and later unit, help) per (org, name). */
  metricMetadata: 'metric_metadata',
  metricMetadataMv: 'metric_metadata_mv',
  migrations: 'schema_migrations',
} as const;
