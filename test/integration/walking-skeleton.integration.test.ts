import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { betterStackHeaders, openObserveHeaders, post } from '../support/http.js';
import { type Pipeline, type StoreMode, startPipeline } from '../support/pipeline.js';

describe.each<StoreMode>(['embedded', 'server'])('one metric end to end (%s ClickHouse)', (store) => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    process.stdout.write(
      `[it] ${inject('kafkaDescription')}\n[it] ${store === 'server' ? inject('clickhouseDescription') : 'embedded ClickHouse (chDB)'}\n`,
    );
    pipeline = await startPipeline({
      store,
      kafkaBrokers: inject('kafkaBrokers'),
      clickhouseUrl: inject('clickhouseUrl'),
    });
  });
  afterAll(async () => {
    await pipeline?.stop();
  });

  it('stores the Better Stack seed example after a 202', async () => {
    const before = Date.now() * 1000;
    const response = await post(
      `${pipeline.receiverUrl}/metrics`,
      '{"name":"test_metric","gauge":{"value":123}}',
      betterStackHeaders(),
    );
    expect(response.status).toBe(202);
    expect(response.json()).toEqual({ accepted: 1, rejected: 0, errors: [] });
    const [row] = await pipeline.waitForRows(
      "SELECT org, name, type, tags.key, timestamp_us, value, dt_raw FROM metrics.samples WHERE name = 'test_metric'",
      (rows) => rows.length === 1,
    );
    expect(row).toMatchObject({
      org: 'acme',
      name: 'test_metric',
      type: 'gauge',
      'tags.key': [],
      value: 123,
      dt_raw: '',
    });
    const ts = Number(row!.timestamp_us);
    expect(ts).toBeGreaterThanOrEqual(before - 1000);
    expect(ts).toBeLessThanOrEqual(Date.now() * 1000);
  });

  it('stores an OpenObserve record after a 200 with per-stream counts', async () => {
    const response = await post(
      `${pipeline.receiverUrl}/api/acme/ingest/metrics/_json`,
      JSON.stringify([
        {
          __name__: 'cpu',
          __type__: 'gauge',
          namespace: 'ziox',
          container: 'zo1',
          _timestamp: 1687260776548485,
          value: 1.31,
        },
      ]),
      openObserveHeaders(),
    );
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ code: 200, status: [{ name: 'cpu', successful: 1, failed: 0 }] });
    const rows = await pipeline.waitForRows(
      "SELECT name, type, tags.key, tags.value, timestamp_us, value FROM metrics.samples WHERE name = 'cpu'",
      (r) => r.length === 1,
    );
    expect(rows[0]).toEqual({
      name: 'cpu',
      type: 'gauge',
      'tags.key': ['container', 'namespace'],
      'tags.value': ['zo1', 'ziox'],
      timestamp_us: '1687260776548485',
      value: 1.31,
    });
  });

  it("lists each series with its first and last sample and the metric's type, from the normalizer's feed", async () => {
    const record = (host: string, timestampUs: number, value: number) => ({
      __name__: 'disk_free',
      __type__: 'gauge',
      host,
      _timestamp: timestampUs,
      value,
    });
    const T = 1_750_000_000_000_000;
    for (const body of [
      [record('a', T + 20, 2), record('b', T + 5, 1)],
      [record('a', T, 1), record('a', T + 10, 3)],
      [record('a', T + 86_400_000_000, 4)],
    ]) {
      const response = await post(
        `${pipeline.receiverUrl}/api/acme/ingest/metrics/_json`,
        JSON.stringify(body),
        openObserveHeaders(),
      );
      expect(response.status).toBe(200);
    }
    const series = await pipeline.waitForRows(
      `SELECT tags.value AS host, day, minMerge(first_seen_us) AS first, maxMerge(last_seen_us) AS last
       FROM metrics.series WHERE org = 'acme' AND name = 'disk_free'
       GROUP BY host, day ORDER BY host, day`,
      (r) => r.length === 3 && r[0]!.first === String(T),
    );
    expect(series).toEqual([
      { host: ['a'], day: '2025-06-15', first: String(T), last: String(T + 20) },
      { host: ['a'], day: '2025-06-16', first: String(T + 86_400_000_000), last: String(T + 86_400_000_000) },
      { host: ['b'], day: '2025-06-15', first: String(T + 5), last: String(T + 5) },
    ]);
    expect(
      await pipeline.query(
        "SELECT type FROM metrics.metric_metadata FINAL WHERE org = 'acme' AND name = 'disk_free'",
      ),
    ).toEqual([{ type: 'gauge' }]);
    // The samples themselves are all there.
    const [count] = await pipeline.query("SELECT count() AS n FROM metrics.samples WHERE name = 'disk_free'");
    expect(Number(count!.n)).toBe(5);
  });

  it('keeps the stored data when the writer is killed and started again', async () => {
    await pipeline.kill('writer');
    await pipeline.restart('writer');
    const rows = await pipeline.query(
      "SELECT count() AS n FROM metrics.samples WHERE name IN ('test_metric', 'cpu', 'disk_free')",
    );
    expect(Number(rows[0]!.n)).toBe(7);
  });
});
