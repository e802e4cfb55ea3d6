/**
 * The example queries of the README's "Querying" section, read from the README itself and run as
 * users run them (read-only, through runQuery) on the embedded engine and on the server, against a
 * small data set whose answers are known.
 */
import { readFileSync } from 'node:fs';
import { migrate, runQuery } from '@pipeline/clickhouse-store';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ENGINES,
  type Engine,
  insertSamples,
  openStore,
  type Store,
  type TestSample,
} from '../support/storage.js';

interface Example {
  readonly title: string;
  readonly sql: string;
  readonly modernOnly: boolean;
}

function readmeExamples(): Example[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('\n## Querying\n');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end);
  const statements = [...section.matchAll(/```sql\n([\s\S]*?)```/g)].flatMap((m) =>
    m[1]!.split(/;\s*(?:\n|$)/),
  );
  return statements
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((sql) => {
      const title = /^-- (.+)$/m.exec(sql)?.[1] ?? sql;
      return { title, sql, modernOnly: title.includes('(modern servers only)') };
    });
}

const S = 1_000_000;
/** Ten minutes ago, on a minute boundary: inside the last hour, and the minutes are known. */
const BASE = (Math.floor(Date.now() / 60_000) * 60 - 600) * S;
const minute = (offset: number) =>
  new Date((BASE + offset * 60 * S) / 1000).toISOString().slice(0, 19).replace('T', ' ');

const counterA = [0, 10, 20, 30, 40, 50, 60, 70];
const counterB = [100, 110, 120, 5, 15, 25, 35, 45];

const DATA: TestSample[] = [
  { name: 'cpu', type: 'gauge', tags: { host: 'a' }, timestampUs: BASE, value: 0.1 },
  { name: 'cpu', type: 'gauge', tags: { host: 'a' }, timestampUs: BASE + 60 * S, value: 0.2 },
  { name: 'cpu', type: 'gauge', tags: { host: 'a' }, timestampUs: BASE + 120 * S, value: 0.3 },
  { name: 'cpu', type: 'gauge', tags: { host: 'b' }, timestampUs: BASE, value: 0.5 },
  { name: 'cpu', type: 'gauge', tags: { host: 'b' }, timestampUs: BASE + 60 * S, value: 0.4 },
  { org: 'other', name: 'cpu', type: 'gauge', tags: { host: 'a' }, timestampUs: BASE + 180 * S, value: 99 },
  ...counterA.map((value, k) => ({
    name: 'http_requests_total',
    type: 'counter' as const,
    tags: { host: 'a' },
    timestampUs: BASE + k * 15 * S,
    value,
  })),
  ...counterB.map((value, k) => ({
    name: 'http_requests_total',
    type: 'counter' as const,
    tags: { host: 'b' },
    timestampUs: BASE + k * 15 * S,
    value,
  })),
  ...histogram('a', BASE, [1, 4, 5], 0.4),
  ...histogram('a', BASE + 30 * S, [2, 5, 6], 0.9),
  ...histogram('a', BASE + 60 * S, [3, 6, 8], 1.7),
  ...histogram('b', BASE, [2, 2, 3], 0.2),
  ...summary('a', BASE, { '0.5': 0.02, '0.99': 0.3 }),
  ...summary('a', BASE + 60 * S, { '0.99': 0.25 }),
  {
    name: 'rpc_duration_seconds',
    type: 'summary',
    tags: { host: 'b', quantile: '0.99' },
    timestampUs: BASE,
    value: 0.5,
  },
];

/** A histogram record as the Better Stack dialect expands it: buckets, _sum, _count. */
function histogram(
  host: string,
  timestampUs: number,
  counts: [number, number, number],
  sum: number,
): TestSample[] {
  const name = 'http_request_duration_seconds';
  return [
    ...['0.1', '0.5', '+Inf'].map((upper, i) => ({
      name,
      type: 'histogram' as const,
      tags: { host, upper_limit: upper },
      timestampUs,
      value: counts[i]!,
    })),
    { name: `${name}_sum`, type: 'histogram', tags: { host }, timestampUs, value: sum },
    { name: `${name}_count`, type: 'histogram', tags: { host }, timestampUs, value: counts[2] },
  ];
}

function summary(host: string, timestampUs: number, quantiles: Record<string, number>): TestSample[] {
  const name = 'rpc_duration_seconds';
  return [
    ...Object.entries(quantiles).map(([quantile, value]) => ({
      name,
      type: 'summary' as const,
      tags: { host, quantile },
      timestampUs,
      value,
    })),
    { name: `${name}_sum`, type: 'summary', tags: { host }, timestampUs, value: 1 },
    { name: `${name}_count`, type: 'summary', tags: { host }, timestampUs, value: 10 },
  ];
}

type Row = Record<string, unknown>;
const num = (v: unknown) => Number(v);
const pick = (rows: Row[], ...keys: string[]) => rows.map((r) => keys.map((k) => r[k]));

/** What each README query must answer on this data set. */
const EXPECTED: Record<string, (rows: Row[]) => void> = {
  'latest value per series of a metric': (rows) => {
    expect(rows.map((r) => [r.keys, r.vals, num(r.at_us), r.last])).toEqual([
      [['host'], ['a'], BASE + 120 * S, 0.3],
      [['host'], ['b'], BASE + 60 * S, 0.4],
    ]);
  },
  "one tag's value": (rows) => {
    expect(rows.map((r) => [num(r.timestamp_us), r.value])).toEqual([
      [BASE, 0.1],
      [BASE + 60 * S, 0.2],
      [BASE + 120 * S, 0.3],
    ]);
  },
  'rate of a counter per series and minute, over the last hour (a drop is a counter reset)': (rows) => {
    expect(pick(rows, 'host', 'minute', 'increase')).toEqual([
      ['a', minute(0), 30],
      ['a', minute(1), 40],
      ['b', minute(0), 25], // 10 + 10 + 5 (the reset to 5 counts as 5)
      ['b', minute(1), 40],
    ]);
    // Increase over the time between the samples: the first sample of the range only opens it.
    const want = [30 / 45, 40 / 60, 25 / 45, 40 / 60];
    for (const [i, row] of rows.entries()) expect(row.per_second as number).toBeCloseTo(want[i]!, 9);
  },
  'rate of a counter per sample, with window functions (modern servers only)': (rows) => {
    const bySeries = new Map<unknown, number[]>();
    for (const r of rows)
      bySeries.set(r.series_id, [...(bySeries.get(r.series_id) ?? []), r.per_second as number]);
    const b = rows.find((r) => r.value === 5)?.series_id; // the series with the reset
    const a = [...bySeries.keys()].find((id) => id !== b);
    const close = (got: number[] | undefined, want: number[]) => {
      expect(got).toHaveLength(want.length);
      for (const [i, w] of want.entries()) expect(got![i]).toBeCloseTo(w, 9);
    };
    close(bySeries.get(a), Array(7).fill(10 / 15));
    // Host b: +10, +10, reset to 5 (counts as 5), then +10 each, every 15 s.
    close(
      bySeries.get(b),
      [10, 10, 5, 10, 10, 10, 10].map((x) => x / 15),
    );
  },
  "histogram buckets over time: each bucket's latest count per minute, summed over the series": (rows) => {
    expect(rows.map((r) => [r.minute, r.upper_limit, r.bucket_count])).toEqual([
      [minute(0), '0.1', 4],
      [minute(0), '0.5', 7],
      [minute(0), '+Inf', 9],
      [minute(1), '0.1', 3],
      [minute(1), '0.5', 6],
      [minute(1), '+Inf', 8],
    ]);
  },
  'a quantile from a summary: the latest p99 per series': (rows) => {
    expect(rows).toEqual([
      { host: 'a', p99: 0.25 },
      { host: 'b', p99: 0.5 },
    ]);
  },
  'the metrics with the most series (cardinality), from the series table: no sample is read': (rows) => {
    expect(rows.map((r) => [r.name, num(r.series)])).toEqual([
      ['http_request_duration_seconds', 6],
      ['rpc_duration_seconds', 3],
      ['cpu', 2],
      ['http_request_duration_seconds_count', 2],
      ['http_request_duration_seconds_sum', 2],
      ['http_requests_total', 2],
      ['rpc_duration_seconds_count', 1],
      ['rpc_duration_seconds_sum', 1],
    ]);
  },
  'the tags with the most distinct values': (rows) => {
    expect(rows.map((r) => [r.tag, num(r.distinct_values)])).toEqual([
      ['upper_limit', 3],
      ['host', 2],
      ['quantile', 2],
    ]);
  },
  'the series of a metric with their tags and first and last sample': (rows) => {
    expect(rows.map((r) => [r.keys, r.vals, num(r.first_us), num(r.last_us)])).toEqual([
      [['host'], ['a'], BASE, BASE + 120 * S],
      [['host'], ['b'], BASE, BASE + 60 * S],
    ]);
  },
  'samples of the series whose tags match, found in the series table first': (rows) => {
    expect(rows.map((r) => [num(r.timestamp_us), r.value])).toEqual([
      [BASE, 0.5],
      [BASE + 60 * S, 0.4],
    ]);
  },
  'the type of each metric': (rows) => {
    expect(pick(rows, 'name', 'type', 'unit', 'help')).toEqual([
      ['cpu', 'gauge', '', ''],
      ['http_request_duration_seconds', 'histogram', '', ''],
      ['http_request_duration_seconds_count', 'histogram', '', ''],
      ['http_request_duration_seconds_sum', 'histogram', '', ''],
      ['http_requests_total', 'counter', '', ''],
      ['rpc_duration_seconds', 'summary', '', ''],
      ['rpc_duration_seconds_count', 'summary', '', ''],
      ['rpc_duration_seconds_sum', 'summary', '', ''],
    ]);
  },
  'timestamps as DateTime64 and tags as a Map (modern servers only)': (rows) => {
    expect(rows.map((r) => [r.ts, r.host, r.value])).toEqual([
      [`${minute(0)}.000000`, 'a', 0.1],
      [`${minute(1)}.000000`, 'a', 0.2],
      [`${minute(2)}.000000`, 'a', 0.3],
    ]);
  },
};

const examples = readmeExamples();

it('every README query has an expected answer here, and every answer a query', () => {
  expect(examples.map((e) => e.title).sort()).toEqual(Object.keys(EXPECTED).sort());
});

describe.each<Engine>(ENGINES)('README queries (%s ClickHouse)', (engine) => {
  let store: Store;
  let db: string;
  beforeAll(async () => {
    store = await openStore(engine, inject('clickhouseUrl'));
    db = store.database('queries');
    await migrate(store.client, db);
    await insertSamples(store.client, db, DATA);
    await insertSamples(store.client, db, DATA.slice(0, 3)); // re-delivered: still once
  });
  afterAll(async () => {
    await store?.close();
  });

  it.each(examples.map((e) => [e.title, e] as const))('%s', async (_title, example) => {
    const sql = example.sql.replaceAll('metrics.', `${db}.`);
    if (example.modernOnly && !store.server.modern) {
      // Documented as modern-only: the old server must refuse it rather than answer wrongly.
      await expect(runQuery(store.reader, sql)).rejects.toThrow();
      return;
    }
    const { rows } = await runQuery(store.reader, sql);
    EXPECTED[example.title]!(rows);
  });
});
