import { MIGRATIONS, migrate } from '@pipeline/clickhouse-store';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ENGINES,
  type Engine,
  insertFeed,
  insertSamples,
  openStore,
  rows,
  type Store,
  schemaOf,
  type TestSample,
} from '../support/storage.js';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0) * 1000;
const MIN = 60_000_000;

/** Rows of three metrics over two days, one of them delivered twice. */
const BEFORE: TestSample[] = [
  { name: 'cpu', type: 'gauge', tags: { host: 'a' }, timestampUs: T0, value: 0.25 },
  { name: 'cpu', type: 'gauge', tags: { host: 'a' }, timestampUs: T0 + MIN, value: 0.5 },
  { name: 'cpu', type: 'gauge', tags: { host: 'b' }, timestampUs: T0, value: 1.5 },
  { name: 'requests_total', type: 'counter', tags: { route: '/x' }, timestampUs: T0 - 1440 * MIN, value: 7 },
  { name: 'requests_total', type: 'counter', tags: { route: '/x' }, timestampUs: T0, value: 9 },
  { name: 'latency', type: 'histogram', tags: { upper_limit: '+Inf' }, timestampUs: T0, value: 3 },
  { org: 'other', name: 'cpu', type: 'gauge', tags: { host: 'a' }, timestampUs: T0, value: 42 },
];

const ALL_SAMPLES =
  'SELECT org, name, type, series_id, tags.key, tags.value, timestamp_us, value, dt_raw FROM {db}.samples ORDER BY org, name, series_id, timestamp_us';

const allSamples = (store: Store, db: string) => rows(store.client, ALL_SAMPLES.replace('{db}', db));

describe.each<Engine>(ENGINES)('storage migrations (%s ClickHouse)', (engine) => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore(engine, inject('clickhouseUrl'));
    process.stdout.write(`[storage] ${engine}: ClickHouse ${store.server.version}\n`);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('upgrades a database made by migrations 1–2 that holds rows, losing none', async () => {
    const db = store.database('mig_up');
    const first = await migrate(store.client, db, MIGRATIONS.slice(0, 2));
    expect(first.applied.map((m) => m.version)).toEqual([1, 2]);
    await insertSamples(store.client, db, BEFORE, { feed: false });
    await insertSamples(store.client, db, BEFORE.slice(0, 2), { feed: false }); // re-delivered
    const before = await allSamples(store, db);
    expect(before).toHaveLength(BEFORE.length);

    const { applied, skipped } = await migrate(store.client, db);
    const expected = store.server.modern ? [3, 4, 5, 6, 7, 8] : [3, 4, 8];
    expect(applied.map((m) => m.version)).toEqual(expected);
    expect(skipped.map((m) => m.version)).toEqual(store.server.modern ? [] : [5, 6, 7]);

    // Same rows, same values, the re-delivered ones still once.
    expect(await allSamples(store, db)).toEqual(before);

    // The new tables were backfilled from the rows already there.
    const series = await rows(
      store.client,
      `SELECT org, name, type, series_id, any(tags.key) AS keys, any(tags.value) AS vals,
              minMerge(first_seen_us) AS first_seen, maxMerge(last_seen_us) AS last_seen
       FROM ${db}.series GROUP BY org, name, type, series_id ORDER BY org, name, vals`,
    );
    expect(
      series.map((s) => [s.org, s.name, s.type, s.vals, Number(s.first_seen), Number(s.last_seen)]),
    ).toEqual([
      ['dev', 'cpu', 'gauge', ['a'], T0, T0 + MIN],
      ['dev', 'cpu', 'gauge', ['b'], T0, T0],
      ['dev', 'latency', 'histogram', ['+Inf'], T0, T0],
      ['dev', 'requests_total', 'counter', ['/x'], T0 - 1440 * MIN, T0],
      ['other', 'cpu', 'gauge', ['a'], T0, T0],
    ]);
    // A series of two days has a row per day.
    const days = await rows(
      store.client,
      `SELECT DISTINCT day FROM ${db}.series WHERE name = 'requests_total' ORDER BY day`,
    );
    expect(days.map((d) => d.day)).toEqual(['2025-05-31', '2025-06-01']);
    const metadata = await rows(
      store.client,
      `SELECT org, name, type, unit, help FROM ${db}.metric_metadata FINAL ORDER BY org, name`,
    );
    expect(metadata).toEqual([
      { org: 'dev', name: 'cpu', type: 'gauge', unit: '', help: '' },
      { org: 'dev', name: 'latency', type: 'histogram', unit: '', help: '' },
      { org: 'dev', name: 'requests_total', type: 'counter', unit: '', help: '' },
      { org: 'other', name: 'cpu', type: 'gauge', unit: '', help: '' },
    ]);

    // Rows inserted after the upgrade reach the samples and, through the feed, the new tables.
    await insertSamples(store.client, db, [
      { name: 'cpu', type: 'gauge', tags: { host: 'c' }, timestampUs: T0 + 2 * MIN, value: 2 },
      { name: 'queue_depth', type: 'gauge', timestampUs: T0 + 2 * MIN, value: 5 },
    ]);
    expect(await allSamples(store, db)).toHaveLength(BEFORE.length + 2);
    const cpuSeries = await rows(
      store.client,
      `SELECT uniqExact(series_id) AS n FROM ${db}.series WHERE org = 'dev' AND name = 'cpu'`,
    );
    expect(Number(cpuSeries[0]!.n)).toBe(3);
    const queue = await rows(
      store.client,
      `SELECT type FROM ${db}.metric_metadata FINAL WHERE name = 'queue_depth'`,
    );
    expect(queue).toEqual([{ type: 'gauge' }]);

    // The contract columns of metrics.samples keep their types on every server.
    const described = await rows(store.client, `DESCRIBE TABLE ${db}.samples`);
    expect(described.map((c) => [c.name, c.type])).toEqual([
      ['org', 'String'],
      ['name', 'String'],
      ['type', 'String'],
      ['series_id', 'UInt64'],
      ['tags.key', 'Array(String)'],
      ['tags.value', 'Array(String)'],
      ['timestamp_us', 'Int64'],
      ['value', 'Float64'],
      ['dt_raw', 'String'],
    ]);

    if (store.server.modern) {
      const columns = await rows(
        store.client,
        `SELECT name, type, compression_codec, default_kind FROM system.columns WHERE database = '${db}' AND table = 'sample_rows' ORDER BY position`,
      );
      const byName = Object.fromEntries(columns.map((c) => [c.name, c]));
      expect(byName.timestamp_us).toMatchObject({ compression_codec: 'CODEC(Delta(8), ZSTD(3))' });
      expect(byName.value).toMatchObject({ compression_codec: 'CODEC(Gorilla(8), ZSTD(3))' });
      // LowCardinality (migration 5) was taken back by migration 7: it cost inserts a third of their CPU.
      expect(byName.org).toMatchObject({ type: 'String' });
      expect(byName['tags.key']).toMatchObject({ type: 'Array(String)' });
      expect(byName.ts).toMatchObject({ type: "DateTime64(6, 'UTC')", default_kind: 'ALIAS' });
      expect(byName.tags_map).toMatchObject({ type: 'Map(String, String)', default_kind: 'ALIAS' });
      const ext = await rows(
        store.client,
        `SELECT toString(ts) AS ts, tags_map, value FROM ${db}.samples_ext WHERE org = 'dev' AND name = 'cpu' AND tags_map['host'] = 'a' ORDER BY ts`,
      );
      expect(ext).toEqual([
        { ts: '2025-06-01 12:00:00.000000', tags_map: { host: 'a' }, value: 0.25 },
        { ts: '2025-06-01 12:01:00.000000', tags_map: { host: 'a' }, value: 0.5 },
      ]);
    }
  });

  it('keeps series and metadata exact from the first and last row of each series and day alone (migration 8)', async () => {
    const db = store.database('mig_feed');
    await migrate(store.client, db);
    const cpu = (timestampUs: number, value: number, type: TestSample['type'] = 'gauge'): TestSample => ({
      name: 'cpu',
      type,
      tags: { host: 'a' },
      timestampUs,
      value,
    });
    // Samples alone (the normalizer reports their series separately) reach no view: none runs on
    // inserts into sample_rows any more.
    await insertSamples(store.client, db, [cpu(T0, 1), cpu(T0 + MIN, 2), cpu(T0 + 2 * MIN, 3)], {
      feed: false,
    });
    expect(await allSamples(store, db)).toHaveLength(3);
    expect(await rows(store.client, `SELECT count() AS n FROM ${db}.series`)).toEqual([{ n: '0' }]);
    expect(await rows(store.client, `SELECT count() AS n FROM ${db}.series_feed`)).toEqual([{ n: '0' }]);
    // The feed: only the first and last row, in two reports; the middle one never reaches it.
    await insertFeed(store.client, db, [cpu(T0 + 2 * MIN, 3)]);
    await insertFeed(store.client, db, [cpu(T0, 1)]);
    const series = await rows(
      store.client,
      `SELECT minMerge(first_seen_us) AS first, maxMerge(last_seen_us) AS last FROM ${db}.series GROUP BY series_id`,
    );
    expect(series).toEqual([{ first: String(T0), last: String(T0 + 2 * MIN) }]);
    expect(await rows(store.client, `SELECT name, type FROM ${db}.metric_metadata FINAL`)).toEqual([
      { name: 'cpu', type: 'gauge' },
    ]);
    // Nothing is stored in the feed itself.
    expect(await rows(store.client, `SELECT count() AS n FROM ${db}.series_feed`)).toEqual([{ n: '0' }]);
  });

  it('changes nothing when run a second time', async () => {
    const db = store.database('mig_twice');
    await migrate(store.client, db);
    await insertSamples(store.client, db, BEFORE);
    const schema = await schemaOf(store.client, db);
    const data = await allSamples(store, db);
    const seriesRows = await rows(store.client, `SELECT count() AS n FROM ${db}.series`);
    const recorded = await rows(store.client, `SELECT count() AS n FROM ${db}.schema_migrations`);

    const again = await migrate(store.client, db);
    expect(again.applied).toEqual([]);
    expect(await schemaOf(store.client, db)).toEqual(schema);
    expect(await allSamples(store, db)).toEqual(data);
    expect(await rows(store.client, `SELECT count() AS n FROM ${db}.series`)).toEqual(seriesRows);
    expect(await rows(store.client, `SELECT count() AS n FROM ${db}.schema_migrations`)).toEqual(recorded);
  });

  it('ends in the same schema when two writers migrate at once', async () => {
    const together = store.database('mig_conc');
    const alone = store.database('mig_alone');
    const results = await Promise.all([migrate(store.client, together), migrate(store.reader, together)]);
    for (const r of results) expect(r.server.version).toBe(store.server.version);
    await migrate(store.client, alone);
    const schema = await schemaOf(store.client, together);
    expect(schema).toEqual(await schemaOf(store.client, alone));
    expect(Object.keys(schema)).toEqual(
      expect.arrayContaining([
        'sample_rows',
        'samples',
        'series',
        'series_feed',
        'series_feed_mv',
        'metric_metadata',
        'metric_metadata_feed_mv',
      ]),
    );
    // Migration 8 took the views off sample_rows.
    expect(Object.keys(schema)).not.toContain('series_mv');
    expect(Object.keys(schema)).not.toContain('metric_metadata_mv');
    // Each migration recorded (possibly twice); a third run has nothing left to do.
    const versions = await rows(
      store.client,
      `SELECT DISTINCT version FROM ${together}.schema_migrations ORDER BY version`,
    );
    expect(versions.map((v) => Number(v.version))).toEqual(
      store.server.modern ? [1, 2, 3, 4, 5, 6, 7, 8] : [1, 2, 3, 4, 8],
    );
    expect((await migrate(store.client, together)).applied).toEqual([]);
    // And it works: a row lands once in samples and once in series.
    await insertSamples(store.client, together, BEFORE.slice(0, 1));
    expect(await allSamples(store, together)).toHaveLength(1);
    expect(await rows(store.client, `SELECT uniqExact(series_id) AS n FROM ${together}.series`)).toEqual([
      { n: '1' },
    ]);
  });
});
