import type { ServerInfo } from '../server-info.js';
import { TABLES } from '../tables.js';

export interface MigrationContext {
  readonly database: string;
  readonly server: ServerInfo;
}

/**
 * A statement, or one a server may refuse without harm: `tolerate` lists the ClickHouse error
 * codes that mean "this server does not allow it" (the migration goes on without it).
 */
export type Statement = string | { readonly sql: string; readonly tolerate: readonly string[] };

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** Why this migration exists, recorded beside it in the database. */
  readonly why: string;
  /**
   * Servers it is for (default: all). A migration that does not apply is neither run nor
   * recorded, so it runs once the server is upgraded.
   */
  readonly appliesTo?: (server: ServerInfo) => boolean;
  /** Idempotent statements: a migration interrupted half-way is simply run again. */
  statements(context: MigrationContext): Statement[];
}

const table = (ctx: MigrationContext, name: string) => `${ctx.database}.${name}`;
const sampleRows = (ctx: MigrationContext) => table(ctx, TABLES.sampleRows);
const modern = (server: ServerInfo) => server.modern;

/** The UTC day of a sample, as the sample_rows partition key computes it. */
const SAMPLE_DAY = "toDate(toDateTime(intDiv(timestamp_us, 1000000), 'UTC'))";

/** One row per (org, name, series_id, day) of the rows in a block (the MV) or in the table (backfill). */
const seriesSelect = (ctx: MigrationContext, from = sampleRows(ctx)) => `
  SELECT org, name, any(type) AS type, series_id,
         any(tags.key) AS \`tags.key\`, any(tags.value) AS \`tags.value\`,
         ${SAMPLE_DAY} AS day,
         minState(timestamp_us) AS first_seen_us, maxState(timestamp_us) AS last_seen_us
  FROM ${from}
  GROUP BY org, name, series_id, day`;

const metadataSelect = (ctx: MigrationContext, from = sampleRows(ctx)) => `
  SELECT org, name, toString(argMax(type, timestamp_us)) AS type, '' AS unit, '' AS help, now() AS updated_at
  FROM ${from}
  GROUP BY org, name`;

/** sample_rows' portable columns (migration 1), which the normalizer's rows fill in this order. */
const SAMPLE_COLUMNS = `
        org String,
        name String,
        type Enum8('gauge' = 1, 'counter' = 2, 'histogram' = 3, 'summary' = 4),
        series_id UInt64,
        tags Nested(key String, value String),
        timestamp_us Int64,
        value Float64,
        dt_raw String`;

/** ALTER_OF_COLUMN_IS_FORBIDDEN, BAD_ARGUMENTS, ILLEGAL_COLUMN: a server that will not change a key column's type. */
const KEY_TYPE_REFUSED = ['524', '36', '44'];

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'create-sample-rows',
    why: 'The portable core every server version runs: one row per sample, tags as Nested arrays, microsecond Int64 time, daily partitions; ReplacingMergeTree collapses re-delivered rows of the same (org, name, series_id, timestamp_us).',
    statements: (ctx) => [
      `CREATE TABLE IF NOT EXISTS ${sampleRows(ctx)} (${SAMPLE_COLUMNS}
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
  {
    version: 3,
    name: 'create-series',
    why: 'Listing the series of a metric (and their tags, first and last sample) must not scan samples: a materialized view keeps one row per series and day (like SigNoz time_series_v4 and qryn time_series); min/max states make re-delivered rows harmless; type and tags (fixed by series_id) close the sort key, as new servers require; daily partitions follow the retention of sample_rows. Backfilled from existing rows.',
    statements: (ctx) => [
      `CREATE TABLE IF NOT EXISTS ${table(ctx, TABLES.series)} (
        org String,
        name String,
        type Enum8('gauge' = 1, 'counter' = 2, 'histogram' = 3, 'summary' = 4),
        series_id UInt64,
        tags Nested(key String, value String),
        day Date,
        first_seen_us AggregateFunction(min, Int64),
        last_seen_us AggregateFunction(max, Int64)
      ) ENGINE = AggregatingMergeTree()
      PARTITION BY toYYYYMMDD(day)
      PRIMARY KEY (org, name, series_id)
      ORDER BY (org, name, series_id, type, tags.key, tags.value)`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${table(ctx, TABLES.seriesMvBefore8)} TO ${table(ctx, TABLES.series)} AS ${seriesSelect(ctx)}`,
      // Rows stored before the view existed. Run again (an interrupted migration, two writers at
      // once) it only adds states that merge to the same min and max.
      `INSERT INTO ${table(ctx, TABLES.series)} (org, name, type, series_id, tags.key, tags.value, day, first_seen_us, last_seen_us) ${seriesSelect(ctx)}`,
    ],
  },
  {
    version: 4,
    name: 'create-metric-metadata',
    why: 'The dialects and users need the type of a metric without scanning samples; a materialized view keeps the latest (org, name) → type, unit and help (empty until a dialect supplies them), like SigNoz keeps type/unit/description beside its series. Backfilled from existing rows.',
    statements: (ctx) => [
      `CREATE TABLE IF NOT EXISTS ${table(ctx, TABLES.metricMetadata)} (
        org String,
        name String,
        type String,
        unit String,
        help String,
        updated_at DateTime
      ) ENGINE = ReplacingMergeTree(updated_at)
      ORDER BY (org, name)`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${table(ctx, TABLES.metricMetadataMvBefore8)} TO ${table(ctx, TABLES.metricMetadata)} AS ${metadataSelect(ctx)}`,
      `INSERT INTO ${table(ctx, TABLES.metricMetadata)} (org, name, type, unit, help, updated_at) ${metadataSelect(ctx)}`,
    ],
  },
  {
    version: 5,
    name: 'sample-rows-codecs',
    why: 'Modern servers only: Delta+ZSTD time, Gorilla+ZSTD values, ZSTD ids and LowCardinality org, name and tag keys (as SigNoz samples_v4 and the OpenTelemetry exporter do) store a sample in about half the bytes (docs/benchmarks.md). Existing parts are recompressed as they merge; the type changes rewrite those columns in the background.',
    appliesTo: modern,
    statements: (ctx) => [
      `ALTER TABLE ${sampleRows(ctx)} MODIFY COLUMN timestamp_us Int64 CODEC(Delta, ZSTD(3))`,
      `ALTER TABLE ${sampleRows(ctx)} MODIFY COLUMN value Float64 CODEC(Gorilla, ZSTD(3))`,
      `ALTER TABLE ${sampleRows(ctx)} MODIFY COLUMN series_id UInt64 CODEC(ZSTD(1))`,
      `ALTER TABLE ${sampleRows(ctx)} MODIFY COLUMN dt_raw String CODEC(ZSTD(1))`,
      // Key columns: allowed by current servers (a background rewrite of the column); a server
      // that refuses keeps String, which costs ~0.2 byte per sample and nothing else.
      {
        sql: `ALTER TABLE ${sampleRows(ctx)} MODIFY COLUMN org LowCardinality(String)`,
        tolerate: KEY_TYPE_REFUSED,
      },
      {
        sql: `ALTER TABLE ${sampleRows(ctx)} MODIFY COLUMN name LowCardinality(String)`,
        tolerate: KEY_TYPE_REFUSED,
      },
      `ALTER TABLE ${sampleRows(ctx)} MODIFY COLUMN \`tags.key\` Array(LowCardinality(String))`,
    ],
  },
  {
    version: 6,
    name: 'samples-ext-view',
    why: 'Modern servers only: ts DateTime64(6) and tags_map Map(String, String) as ALIAS columns (computed when read: a MATERIALIZED map cost 0.7 byte per sample, ~13%), and the view samples_ext = samples plus those two, so metrics.samples stays the same on every server.',
    appliesTo: modern,
    statements: (ctx) => [
      `ALTER TABLE ${sampleRows(ctx)} ADD COLUMN IF NOT EXISTS ts DateTime64(6, 'UTC') ALIAS fromUnixTimestamp64Micro(timestamp_us, 'UTC')`,
      `ALTER TABLE ${sampleRows(ctx)} ADD COLUMN IF NOT EXISTS tags_map Map(String, String) ALIAS CAST((tags.key, tags.value), 'Map(String, String)')`,
      `CREATE VIEW IF NOT EXISTS ${table(ctx, TABLES.samplesExt)} AS
       SELECT org, name, toString(type) AS type, series_id, tags.key, tags.value, timestamp_us, value, dt_raw, ts, tags_map
       FROM ${sampleRows(ctx)} FINAL`,
    ],
  },
  {
    version: 7,
    name: 'sample-rows-plain-strings',
    why: 'Modern servers only: LowCardinality org, name and tag keys cost the writer a third of its CPU per inserted row (scripts/insert-cpu.ts, chDB) to save 0.44 byte per sample; plain String with the default LZ4 (ZSTD made these columns larger) costs none of it (docs/benchmarks.md).',
    appliesTo: modern,
    statements: (ctx) => [
      {
        sql: `ALTER TABLE ${sampleRows(ctx)} MODIFY COLUMN org String`,
        tolerate: KEY_TYPE_REFUSED,
      },
      {
        sql: `ALTER TABLE ${sampleRows(ctx)} MODIFY COLUMN name String`,
        tolerate: KEY_TYPE_REFUSED,
      },
      `ALTER TABLE ${sampleRows(ctx)} MODIFY COLUMN \`tags.key\` Array(String)`,
    ],
  },
  {
    version: 8,
    name: 'views-fed-by-series-feed',
    why: 'The views of migrations 3 and 4 cost 25–35 ms of CPU on every insert into sample_rows whatever its size (35 % of an insert of 20 000 rows; scripts/insert-cpu.ts, docs/benchmarks.md). They now read series_feed, a Null table that stores nothing, where the writer inserts the first and last row of each series and day that the normalizer reports every few seconds: min, max and argMax over those rows equal min, max and argMax over all rows, so series and metric_metadata stay exact and are updated a few times a minute. The new views are created before the old ones are dropped, so no insert finds neither.',
    statements: (ctx) => {
      const feed = table(ctx, TABLES.seriesFeed);
      return [
        `CREATE TABLE IF NOT EXISTS ${feed} (${SAMPLE_COLUMNS}
      ) ENGINE = Null`,
        `CREATE MATERIALIZED VIEW IF NOT EXISTS ${table(ctx, TABLES.seriesFeedMv)} TO ${table(ctx, TABLES.series)} AS ${seriesSelect(ctx, feed)}`,
        `CREATE MATERIALIZED VIEW IF NOT EXISTS ${table(ctx, TABLES.metricMetadataFeedMv)} TO ${table(ctx, TABLES.metricMetadata)} AS ${metadataSelect(ctx, feed)}`,
        `DROP TABLE IF EXISTS ${table(ctx, TABLES.seriesMvBefore8)}`,
        `DROP TABLE IF EXISTS ${table(ctx, TABLES.metricMetadataMvBefore8)}`,
      ];
    },
  },
];
