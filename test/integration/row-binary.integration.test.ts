/**
 * The normalizer's RowBinary rows, as ClickHouse reads them: on the embedded engine and on the
 * server, every column comes back as sample-model's decoder reads it, for the values at the edges
 * of each type; and rows cut short are refused, so nothing half-read is stored.
 */
import { insertRows, isRetriableStoreError, migrate, TABLES } from '@pipeline/clickhouse-store';
import {
  decodeSampleRows,
  encodeSampleRows,
  METRIC_TYPES,
  makeSample,
  type Sample,
} from '@pipeline/sample-model';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ENGINES, type Engine, openStore, rows, type Store } from '../support/storage.js';

const long = 'l'.repeat(200);
const SAMPLES: Sample[] = [
  ...METRIC_TYPES.map((type, i) =>
    makeSample({
      name: `rb_${type}`,
      type,
      tags: [['i', String(i)]],
      timestampUs: 1_700_000_000_000_000 + i,
      value: i,
    }),
  ),
  makeSample({
    name: 'rb_edges',
    type: 'gauge',
    tags: [
      ['__proto__', "it's\ttab\nline\\"],
      ['ключ', '值 🙂'],
      [long, ''],
    ],
    timestampUs: -1_000_000_000_000_001,
    value: -0,
    dtRaw: 'yesterday, 12:00 ☀',
  }),
  makeSample({
    name: 'rb_edges',
    type: 'gauge',
    tags: [],
    timestampUs: Number.MAX_SAFE_INTEGER,
    value: 5e-324,
  }),
  makeSample({
    name: long,
    type: 'counter',
    tags: [],
    timestampUs: 0,
    value: 1.7976931348623157e308,
    dtRaw: long,
  }),
  makeSample({ name: 'rb_edges', type: 'summary', tags: [], timestampUs: 1, value: -123456.789e-7 }),
];

describe.each(ENGINES)('RowBinary rows on the %s engine', (engine: Engine) => {
  let store: Store;
  let database: string;
  beforeAll(async () => {
    store = await openStore(engine, inject('clickhouseUrl'));
    database = store.database('row_binary');
    await migrate(store.client, database);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('stores every column as the encoder wrote it, from a body sent in pieces', async () => {
    const body = encodeSampleRows('acme', SAMPLES);
    // In pieces, as the writer sends its messages, cut inside a row: they are one stream of bytes.
    await insertRows(store.client, database, [
      body.subarray(0, 7),
      body.subarray(7, 100),
      body.subarray(100),
    ]);
    const stored = await rows(
      store.client,
      `SELECT org, name, toString(type) AS type, series_id, tags.key, tags.value, timestamp_us, value, dt_raw
       FROM ${database}.${TABLES.sampleRows} ORDER BY name, timestamp_us`,
    );
    const byKey = (a: { name: string; timestamp_us: number }, b: { name: string; timestamp_us: number }) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : a.timestamp_us - b.timestamp_us;
    const expected = decodeSampleRows(body).sort(byKey);
    expect(stored.map((r) => ({ ...r, timestamp_us: Number(r.timestamp_us) }))).toEqual(
      expected.map((r) => ({ ...r, 'tags.key': [...r['tags.key']], 'tags.value': [...r['tags.value']] })),
    );
    // -0 is stored as such (JSON prints it as 0).
    const [zero] = await rows(
      store.client,
      `SELECT toString(1 / value) AS inverse FROM ${database}.${TABLES.sampleRows} WHERE name = 'rb_edges' AND timestamp_us < 0`,
    );
    expect(zero).toEqual({ inverse: '-inf' });
  });

  it('refuses rows cut short as a data error, and stores none of that insert', async () => {
    const body = encodeSampleRows('cut', SAMPLES);
    const error = await insertRows(store.client, database, body.subarray(0, body.length - 5)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    expect(isRetriableStoreError(error)).toBe(false);
    const [count] = await rows(
      store.client,
      `SELECT count() AS n FROM ${database}.${TABLES.sampleRows} WHERE org = 'cut'`,
    );
    expect(count).toEqual({ n: '0' });
  });
});
