import { applyRetention, migrate } from '@pipeline/clickhouse-store';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ENGINES,
  type Engine,
  eventually,
  insertSamples,
  openStore,
  rows,
  type Store,
  type TestSample,
} from '../support/storage.js';

const DAY_US = 86_400_000_000;
const NOW_US = Date.now() * 1000;
/** Samples 10, 5, 1 and 0 days old; with 3 days kept the first two days go. */
const AGES = [10, 5, 1, 0];
const SAMPLES: TestSample[] = AGES.flatMap((age) => [
  {
    name: 'cpu',
    type: 'gauge' as const,
    tags: { host: 'a' },
    timestampUs: NOW_US - age * DAY_US,
    value: age,
  },
  {
    name: 'cpu',
    type: 'gauge' as const,
    tags: { host: 'b' },
    timestampUs: NOW_US - age * DAY_US,
    value: age + 0.5,
  },
]);

const ages = async (store: Store, db: string) =>
  (
    await rows(
      store.client,
      `SELECT DISTINCT value FROM ${db}.samples WHERE tags.value = ['a'] ORDER BY value DESC`,
    )
  ).map((r) => Number(r.value));
const seriesDays = async (store: Store, db: string) =>
  Number((await rows(store.client, `SELECT uniqExact(day) AS n FROM ${db}.series`))[0]!.n);

describe.each<Engine>(ENGINES)('storage retention (%s ClickHouse)', (engine) => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore(engine, inject('clickhouseUrl'));
  });
  afterAll(async () => {
    await store?.close();
  });

  it('removes the days older than RETENTION_DAYS and keeps the recent ones', async () => {
    const db = store.database('ret');
    const { server } = await migrate(store.client, db);
    await insertSamples(store.client, db, SAMPLES);
    expect(await ages(store, db)).toEqual([10, 5, 1, 0]);
    expect(await seriesDays(store, db)).toBe(4);

    const first = await applyRetention(store.client, db, server, 3);
    expect(first.mode).toBe(server.modern ? 'ttl' : 'drop-partitions');
    expect(first.statements.length).toBeGreaterThan(0);
    // 18.16 drops the partitions at once; a modern server's TTL works in the background.
    await eventually(
      () => ages(store, db),
      (a) => a.join() === '1,0',
    );
    await eventually(
      () => seriesDays(store, db),
      (n) => n === 2,
    );
    const count = await rows(store.client, `SELECT count() AS n FROM ${db}.samples`);
    expect(count).toEqual([{ n: '4' }]);

    // At the next start or the next hour: nothing to do.
    expect((await applyRetention(store.client, db, server, 3)).statements).toEqual([]);

    // Keeping more days again (or forever) loses nothing more, and on modern servers moves the TTL.
    const longer = await applyRetention(store.client, db, server, 30);
    expect(longer.statements).toEqual(
      server.modern
        ? [
            `ALTER TABLE ${db}.sample_rows MODIFY TTL toDateTime(intDiv(timestamp_us, 1000000)) + INTERVAL 30 DAY`,
            `ALTER TABLE ${db}.series MODIFY TTL day + INTERVAL 30 DAY`,
          ]
        : [],
    );
    const forever = await applyRetention(store.client, db, server, 0);
    expect(forever.statements).toEqual(
      server.modern
        ? [`ALTER TABLE ${db}.sample_rows REMOVE TTL`, `ALTER TABLE ${db}.series REMOVE TTL`]
        : [],
    );
    // With no retention even old rows stay.
    await insertSamples(store.client, db, SAMPLES.slice(0, 1));
    expect(await ages(store, db)).toEqual([10, 1, 0]);
    if (server.modern) {
      const [table] = await rows(
        store.client,
        `SELECT engine_full FROM system.tables WHERE database = '${db}' AND name = 'sample_rows'`,
      );
      expect(String(table!.engine_full)).not.toMatch(/\sTTL\s/);
    }
  });
});
