/**
 * CPU per inserted row for variants of the `sample_rows` layout, on the embedded engine: the rows
 * of the bench's data set (Better Stack JSON decoded and encoded as the normalizer does), inserted
 * as 90 000-row RowBinary inserts by `insertRows` (what the writer sends, the way it sends it)
 * into a fresh chDB, one variant per child process. Prints the CPU of the process (all threads)
 * during the inserts, per row.
 *
 *   node --import tsx scripts/insert-cpu.ts [--rounds 30] [--rows-per-insert 90000] [--tail-ms 0] [variant …]
 *
 * `--tail-ms` keeps counting that long after the last insert, so that the merges the inserts
 * started are paid for too (compare insert sizes with it).
 *
 * Variants: `current` (migrations as they are, `series_feed` fed after every 10 inserts),
 * `feed:<n>` (the same, fed after every n inserts), `before-8` (the views on `sample_rows`, as
 * migrations 3 and 4 made them, and no feed), `null` (parsing only), `plain` (sorted MergeTree),
 * or `build:<flags>` — a sorted MergeTree plus r (Replacing), p (daily partitions), l
 * (LowCardinality org, name, tag keys), c (codecs), z (the same codecs at ZSTD level 1), v (the two
 * materialized views, on sample_rows). Also prints the compressed bytes per row of the parts the
 * inserts left.
 *
 * The feed is what the normalizer reports (sample-model's SeriesFeed): each series' first and last
 * row per day since the last report. Its CPU is counted, its rows are not.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createStoreClient, insertRows, migrate, TABLES } from '@pipeline/clickhouse-store';
import { processBetterStackPayload } from '@pipeline/dialect-betterstack';
import { type Sample, SampleRowWriter, SeriesFeed, SeriesRowCache } from '@pipeline/sample-model';
import { Dataset } from '../bench/dataset.js';
import { encodeRequest } from '../bench/encoders.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '30' },
    'rows-per-insert': { type: 'string', default: '90000' },
    'tail-ms': { type: 'string', default: '0' },
    child: { type: 'boolean', default: false },
  },
});
const ROWS_PER_INSERT = Number(args['rows-per-insert']);

if (!args.child) {
  const variants =
    positionals.length > 0
      ? positionals
      : ['null', 'plain', 'build:rp', 'build:rpl', 'build:rplc', 'build:rpc', 'before-8', 'current'];
  for (const variant of variants) {
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        process.argv[1]!,
        '--child',
        `--rounds=${args.rounds}`,
        `--rows-per-insert=${args['rows-per-insert']}`,
        `--tail-ms=${args['tail-ms']}`,
        variant,
      ],
      {
        encoding: 'utf8',
      },
    );
    process.stdout.write(out);
  }
  process.exit(0);
}

const variant = positionals[0] ?? 'current';
const dir = mkdtempSync(join(tmpdir(), 'insert-cpu-'));
const client = await createStoreClient({ kind: 'embedded', path: dir });
const db = 'metrics';
await migrate(client, db);
const command = (query: string) => client.command({ query });

const feedEvery =
  variant === 'current' ? 10 : variant.startsWith('feed:') ? Number(variant.slice('feed:'.length)) : 0;
/** Puts the two views back on sample_rows, as migrations 3 and 4 made them (before migration 8). */
async function viewsOnSampleRows() {
  for (const [view, before, target] of [
    [TABLES.seriesFeedMv, TABLES.seriesMvBefore8, TABLES.series],
    [TABLES.metricMetadataFeedMv, TABLES.metricMetadataMvBefore8, TABLES.metricMetadata],
  ] as const) {
    const found = await client.query({
      query: `SELECT as_select FROM system.tables WHERE database = '${db}' AND name = '${view}'`,
      format: 'JSONEachRow',
    });
    const select = ((await found.json()) as { as_select: string }[])[0]!.as_select;
    const fromRows = select.replaceAll(`${db}.${TABLES.seriesFeed}`, `${db}.${TABLES.sampleRows}`);
    if (fromRows === select) throw new Error(`${view} does not read ${db}.${TABLES.seriesFeed}: ${select}`);
    await command(`DROP VIEW ${db}.${view}`);
    await command(`CREATE MATERIALIZED VIEW ${db}.${before} TO ${db}.${target} AS ${fromRows}`);
  }
}
if (variant === 'before-8') {
  await viewsOnSampleRows();
} else if (variant !== 'current' && feedEvery === 0) {
  const flags = variant.startsWith('build:') ? variant.slice('build:'.length) : '';
  const lc = flags.includes('l');
  const zstd = flags.includes('z') ? 'ZSTD(1)' : 'ZSTD(3)';
  const codecs = flags.includes('c') || flags.includes('z');
  const text = (name: string) => `${name} ${lc ? 'LowCardinality(String)' : 'String'}`;
  const engine =
    variant === 'null'
      ? 'Null'
      : `${flags.includes('r') ? 'ReplacingMergeTree' : 'MergeTree'} ${flags.includes('p') ? "PARTITION BY toYYYYMMDD(toDateTime(intDiv(timestamp_us, 1000000), 'UTC'))" : ''} ORDER BY (org, name, series_id, timestamp_us)`;
  if (flags.includes('v')) await viewsOnSampleRows();
  else {
    await command(`DROP VIEW ${db}.${TABLES.seriesFeedMv}`);
    await command(`DROP VIEW ${db}.${TABLES.metricMetadataFeedMv}`);
  }
  await command(`DROP VIEW ${db}.${TABLES.samples}`);
  await command(`DROP VIEW ${db}.${TABLES.samplesExt}`);
  await command(`DROP TABLE ${db}.${TABLES.sampleRows}`);
  await command(`CREATE TABLE ${db}.${TABLES.sampleRows} (
    ${text('org')}, ${text('name')},
    type Enum8('gauge' = 1, 'counter' = 2, 'histogram' = 3, 'summary' = 4),
    series_id UInt64 ${codecs ? 'CODEC(ZSTD(1))' : ''},
    tags Nested(${text('key')}, value String),
    timestamp_us Int64 ${codecs ? `CODEC(Delta, ${zstd})` : ''},
    value Float64 ${codecs ? `CODEC(Gorilla, ${zstd})` : ''},
    dt_raw String
  ) ENGINE = ${engine}`);
}

const dataset = new Dataset(42, Date.now() - 86_400_000);
const writer = new SampleRowWriter(new SeriesRowCache(), 32 * 1024 * 1024);
const inserts: Buffer[] = [];
/** After the inserts[i] whose index is a key, the feed body to insert. */
const feeds = new Map<number, Buffer>();
const feedWriter = new SampleRowWriter(writer.cache, 8 * 1024 * 1024);
const feed = new SeriesFeed();
/** The feed's report so far, to be inserted after inserts[after]. */
const feedAfter = (after: number) => {
  feeds.set(after, Buffer.concat(feed.report(feedWriter, Number.MAX_SAFE_INTEGER).map((p) => p.rows)));
};
for (const request of dataset.requests(0, Number(args.rounds) * 10)) {
  const result = processBetterStackPayload(encodeRequest('bs-json', request).bytes, 'json', {
    receivedAtUs: Date.now() * 1000,
    window: { maxAgeUs: 0, maxFutureUs: 0 },
  });
  if (!result.ok) throw new Error(result.error);
  for (const sample of result.samples as Sample[])
    writer.write('acme', sample, feedEvery > 0 ? feed : undefined);
  if (writer.rows >= ROWS_PER_INSERT) {
    inserts.push(writer.take());
    if (feedEvery > 0 && inserts.length % feedEvery === 0) feedAfter(inserts.length - 1);
  }
}
// The rest, as a last and smaller insert: the feed has noted those rows too, so they must be stored
// for `series` to match the rows.
const rows = inserts.length * ROWS_PER_INSERT + writer.rows;
if (writer.rows > 0) inserts.push(writer.take());
if (feed.size > 0 && inserts.length > 0) feedAfter(inserts.length - 1);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const before = cpu();
const started = performance.now();
for (const [i, body] of inserts.entries()) {
  await insertRows(client, db, body);
  const fed = feeds.get(i);
  if (fed !== undefined) await insertRows(client, db, fed, 'RowBinary', TABLES.seriesFeed);
}
const seconds = (performance.now() - started) / 1000;
await new Promise((resolve) => setTimeout(resolve, Number(args['tail-ms'])));
const used = cpu() - before;
const stored = await client.query({
  query: `SELECT sum(data_compressed_bytes) AS bytes FROM system.parts WHERE database = '${db}' AND table = '${TABLES.sampleRows}' AND active`,
  format: 'JSONEachRow',
});
const bytes = Number(((await stored.json()) as { bytes: string }[])[0]?.bytes ?? 0);
// Where the views run, `series` must hold each series' first and last sample exactly.
const perSeries = (from: string, first: string, last: string) =>
  `(SELECT groupArray((series_id, f, l)) FROM (SELECT series_id, ${first} AS f, ${last} AS l FROM ${db}.${from} GROUP BY series_id ORDER BY series_id))`;
async function seriesExact(): Promise<boolean> {
  const result = await client.query({
    query: `SELECT ${perSeries(TABLES.series, 'minMerge(first_seen_us)', 'maxMerge(last_seen_us)')} = ${perSeries(TABLES.sampleRows, 'min(timestamp_us)', 'max(timestamp_us)')} AS same`,
    format: 'JSONEachRow',
  });
  return ((await result.json()) as { same: number }[])[0]?.same === 1;
}
const viewsRun = feedEvery > 0 || variant === 'before-8' || /^build:.*v/.test(variant);
const exact = !viewsRun ? '' : (await seriesExact()) ? ', series exact' : ', SERIES DIFFER FROM THE ROWS';
process.stdout.write(
  `${variant.padEnd(12)} ${rows} rows: ${((used / rows) * 1e6).toFixed(2)} CPU-µs per row, ${Math.round(rows / seconds / 1000)} k rows/s, ${(bytes / rows).toFixed(2)} bytes per row stored${exact}\n`,
);
await client.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
