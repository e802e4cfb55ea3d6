import type { ServerInfo } from '../server-info.js';
import { TABLES } from '../tables.js';

export interface MigrationContext {
  readonly database: string;
  readonly server: ServerInfo;
}

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** Why this migration exists, recorded beside it in the database. */
  readonly why: string;
  /** Idempotent statements: a migration interrupted half-way is simply run again. */
  statements(context: MigrationContext): string[];
}

const sampleRows = (ctx: MigrationContext) => `${ctx.database}.${TABLES.sampleRows}`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'create-sample-rows',
    why: 'The portable core every server version runs: one row per sample, tags as Nested arrays, microsecond Int64 time, daily partitions; ReplacingMergeTree collapses re-delivered rows of the same (org, name, series_id, timestamp_us).',
    statements: (ctx) => [
      `CREATE TABLE IF NOT EXISTS ${sampleRows(ctx)} (
        org String,
        name String,
        type Enum8('gauge' = 1, 'counter' = 2, 'histogram' = 3, 'summary' = 4),
        series_id UInt64,
        tags Nested(key String, value String),
        timestamp_us Int64,
        value Float64,
        dt_raw String
      ) ENGINE = ReplacingMergeTree()
      PARTITION BY toYYYYMMDD(toDateTime(intDiv(timestamp_us, 1000000), 'UTC'))
      ORDER BY (org, name, series_id, timestamp_us)`,
    ],
  },
  {
    version: 2,
    name: 'create-samples-view',
    why: 'Users query metrics.samples (CONTRACT.md §4); FINAL shows each (org, series_id, timestamp_us) once even before background merges ran.',
    statements: (ctx) => [
      `CREATE VIEW IF NOT EXISTS ${ctx.database}.${TABLES.samples} AS
       SELECT org, name, toString(type) AS type, series_id, tags.key, tags.value, timestamp_us, value, dt_raw
       FROM ${sampleRows(ctx)} FINAL`,
    ],
  },
];
