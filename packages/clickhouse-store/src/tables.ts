/** Table names inside the metrics database. Users query `samples`; the rest is ours. */
export const TABLES = {
  /** The view users and tests query (CONTRACT.md §4): each (org, series_id, timestamp_us) once. */
  samples: 'samples',
  /** Where rows are stored; a ReplacingMergeTree that collapses re-delivered rows. */
  sampleRows: 'sample_rows',
  migrations: 'schema_migrations',
} as const;
