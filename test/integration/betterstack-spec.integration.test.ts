// Every curl example of betterstack-metrics-api.txt, sent over HTTP to a running pipeline (receiver,
// normalizer, writer as processes, real Kafka, real ClickHouse), with the rows it stores.
//
// Coverage by pipeline (three in this file, one at a time):
//   - default window, embedded ClickHouse and ClickHouse server: every example without `dt`, the
//     `dt` examples rejected (406 alone, 202 beside a valid record, dead-lettered, counted in
//     /metrics), an unparsable dt, gzip and deflate bodies, a body just under 20 MiB;
//   - window off (MAX_SAMPLE_AGE_SECONDS=0, MAX_SAMPLE_FUTURE_SECONDS=0), ClickHouse server: every
//     `dt` example stored with its exact timestamp, also as NDJSON and MessagePack (timestamp extension).
//
// Metric names carry a per-test id so tests never see each other's rows; otherwise the bodies are the
// spec's, character for character.
import { randomBytes } from 'node:crypto';
import { deflateSync, gzipSync } from 'node:zlib';
import { ExtData, encode, encodeTimeSpecToTimestamp } from '@msgpack/msgpack';
import { topicNames } from '@pipeline/kafka-io';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { betterStackHeaders, post } from '../support/http.js';
import { type Pipeline, type StoreMode, startPipeline, TEST_CREDENTIALS } from '../support/pipeline.js';

const PARSE = "Couldn't parse JSON content.";
const MiB = 1024 * 1024;

interface Row {
  name: string;
  type: string;
  'tags.key': string[];
  'tags.value': string[];
  timestamp_us: string;
  value: number;
  dt_raw: string;
}

interface DeadLetter {
  stage: string;
  org: string;
  dialect: string;
  source: string;
  reason: string;
  index: number;
  record: unknown;
}

/** A fresh id; names containing it belong to one test. */
const newId = () => randomBytes(4).toString('hex');

/** The spec's text with each metric name made unique by `_id`. */
function uniqueNames(text: string, id: string, names: readonly string[]): string {
  let out = text;
  for (const name of names) out = out.replaceAll(`"${name}"`, `"${name}_${id}"`);
  return out;
}

const row = (fields: Partial<Row> & Pick<Row, 'name' | 'type' | 'value'>): Partial<Row> => ({
  'tags.key': [],
  'tags.value': [],
  dt_raw: '',
  ...fields,
});

async function storedRows(pipeline: Pipeline, id: string, count: number): Promise<Row[]> {
  const rows = await pipeline.waitForRows(
    `SELECT name, type, tags.key, tags.value, toString(timestamp_us) AS timestamp_us, value, dt_raw
     FROM metrics.samples WHERE name LIKE '%${id}%'`,
    (r) => r.length >= count,
  );
  const typed = rows as unknown as Row[];
  return typed.sort((a, b) =>
    a.name === b.name
      ? a['tags.value'].join().localeCompare(b['tags.value'].join())
      : a.name < b.name
        ? -1
        : 1,
  );
}

/** Rows stored at reception time: between the request's start and its answer. */
function expectReceptionTime(rows: readonly Row[], beforeUs: number, afterUs: number): void {
  for (const r of rows) {
    expect(Number(r.timestamp_us)).toBeGreaterThanOrEqual(beforeUs - 1000);
    expect(Number(r.timestamp_us)).toBeLessThanOrEqual(afterUs + 1000);
  }
  // Every row of one body has the same reception time.
  expect(new Set(rows.map((r) => r.timestamp_us)).size).toBe(1);
}

const withoutTime = (rows: readonly Row[]) => rows.map(({ timestamp_us: _t, ...rest }) => rest);

const nowUs = () => Date.now() * 1000;

/** The spec's `dt` examples: the value as the body carries it, the time it names, in µs and as the reason shows it. */
const DT_EXAMPLES = [
  { dt: '1672490759', us: '1672490759000000', iso: '2022-12-31T12:45:59.000Z' },
  { dt: '1672490759123', us: '1672490759123000', iso: '2022-12-31T12:45:59.123Z' },
  { dt: '1672490759123456000', us: '1672490759123456', iso: '2022-12-31T12:45:59.123Z' },
  { dt: '"2022-12-31T13:45:59.123456Z"', us: '1672494359123456', iso: '2022-12-31T13:45:59.123Z' },
  { dt: '"2022-12-31 13:45:59.123456+02:00"', us: '1672487159123456', iso: '2022-12-31T11:45:59.123Z' },
  { dt: '"2023-08-09 07:03:30+00:00"', us: '1691564610000000', iso: '2023-08-09T07:03:30.000Z' },
] as const;

/** The spec's last curl example, with a `dt` of the list above in place of its own. */
const dtExample = (name: string, dt: string) => `{"name":"${name}","gauge":{"value":123},"dt":${dt}}`;

async function startWith(store: StoreMode, env?: Record<string, string>): Promise<Pipeline> {
  process.stdout.write(
    `[it] ${inject('kafkaDescription')}\n[it] ${store === 'server' ? inject('clickhouseDescription') : 'embedded ClickHouse (chDB)'}\n`,
  );
  return startPipeline({
    store,
    kafkaBrokers: inject('kafkaBrokers'),
    clickhouseUrl: inject('clickhouseUrl'),
    ...(env === undefined ? {} : { env }),
  });
}

/** Reads the pipeline's dead-letter topic from its beginning into `letters`. */
async function readDeadLetters(pipeline: Pipeline, letters: DeadLetter[]): Promise<Consumer> {
  const kafka = new Kafka({
    clientId: 'it-dead-letter-reader',
    brokers: inject('kafkaBrokers').split(','),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `${pipeline.prefix}it-dead-letter-reader` });
  await consumer.connect();
  await consumer.subscribe({ topic: topicNames(pipeline.prefix).deadLetter, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      letters.push(JSON.parse(message.value?.toString('utf8') ?? 'null') as DeadLetter);
    },
  });
  return consumer;
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The receiver's `receiver_records_total{dialect="betterstack",outcome=…}` from its GET /metrics. */
async function receiverRecords(pipeline: Pipeline, outcome: 'accepted' | 'rejected'): Promise<number> {
  const text = await (await fetch(`${pipeline.receiverUrl}/metrics`)).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('receiver_records_total{') &&
        l.includes('dialect="betterstack"') &&
        l.includes(`outcome="${outcome}"`),
    );
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe.each<StoreMode>([
  'embedded',
  'server',
])('Better Stack spec examples (%s ClickHouse, default window)', (store) => {
  let pipeline: Pipeline;
  let consumer: Consumer | undefined;
  const deadLetters: DeadLetter[] = [];

  beforeAll(async () => {
    pipeline = await startWith(store);
    consumer = await readDeadLetters(pipeline, deadLetters);
  });
  afterAll(async () => {
    await consumer?.disconnect();
    await pipeline?.stop();
  });

  const send = (
    body: string | Uint8Array,
    contentType = 'application/json',
    extra: Record<string, string> = {},
  ) => post(`${pipeline.receiverUrl}/metrics`, body, { ...betterStackHeaders(contentType), ...extra });

  describe('send a single metric', () => {
    const single = '{"name":"test_metric","gauge":{"value":123}}';

    it.each([
      ['JSON', 'application/json', (id: string) => uniqueNames(single, id, ['test_metric'])],
      ['NDJSON', 'application/x-ndjson', (id: string) => uniqueNames(single, id, ['test_metric'])],
      [
        'MessagePack',
        'application/msgpack',
        (id: string) => encode({ name: `test_metric_${id}`, gauge: { value: 123 } }),
      ],
    ] as const)('%s: 202, one gauge row at reception time', async (_format, contentType, body) => {
      const id = newId();
      const before = nowUs();
      const response = await send(body(id), contentType);
      const after = nowUs();
      expect(response.status).toBe(202);
      expect(response.json()).toEqual({ accepted: 1, rejected: 0, errors: [] });
      const rows = await storedRows(pipeline, id, 1);
      expect(withoutTime(rows)).toEqual([row({ name: `test_metric_${id}`, type: 'gauge', value: 123 })]);
      expectReceptionTime(rows, before, after);
    });
  });

  describe('send multiple metrics', () => {
    const batch = [
      { name: 'metric_a', gauge: { value: 3.14 } },
      { name: 'metric_b', counter: { value: 42 } },
    ];

    it.each([
      [
        'JSON array',
        'application/json',
        (id: string) =>
          uniqueNames(
            '[{"name":"metric_a","gauge":{"value":3.14}},{"name":"metric_b","counter":{"value":42}}]',
            id,
            ['metric_a', 'metric_b'],
          ),
      ],
      [
        'NDJSON',
        'application/x-ndjson',
        (id: string) =>
          uniqueNames(
            '{"name":"metric_a","gauge":{"value":3.14}}\n{"name":"metric_b","counter":{"value":42}}',
            id,
            ['metric_a', 'metric_b'],
          ),
      ],
      [
        'MessagePack array',
        'application/msgpack',
        (id: string) => encode(batch.map((m) => ({ ...m, name: `${m.name}_${id}` }))),
      ],
    ] as const)('%s: 202, a gauge and a counter row', async (_format, contentType, body) => {
      const id = newId();
      const before = nowUs();
      const response = await send(body(id), contentType);
      const after = nowUs();
      expect(response.status).toBe(202);
      expect(response.json()).toEqual({ accepted: 2, rejected: 0, errors: [] });
      const rows = await storedRows(pipeline, id, 2);
      expect(withoutTime(rows)).toEqual([
        row({ name: `metric_a_${id}`, type: 'gauge', value: 3.14 }),
        row({ name: `metric_b_${id}`, type: 'counter', value: 42 }),
      ]);
      expectReceptionTime(rows, before, after);
    });
  });

  describe('metric types', () => {
    const gauge = `{
"name": "node_cpu_temperature_celsius",
"gauge": {
"value": 63.5
}
}`;
    const counter = `{
"name": "http_requests_total",
"counter": {
"value": 42
}
}`;
    const histogram = `{
"name": "http_request_duration_seconds",
"histogram": {
"count": 140,
"sum": 75.5,
"buckets": [
{
"upper_limit": 0.1,
"count": 15
},
{
"upper_limit": 0.2,
"count": 30
},
{
"upper_limit": 0.5,
"count": 45
},
{
"upper_limit": 1.0,
"count": 50
}
]
}
}`;
    const summary = `{
"name": "http_response_size_bytes",
"summary": {
"count": 100,
"sum": 25000,
"quantiles": [
{
"quantile": 0.5,
"value": 200
},
{
"quantile": 0.9,
"value": 450
},
{
"quantile": 0.99,
"value": 600
}
]
}
}`;
    const tags = `{
"name": "node_cpu_temperature_celsius",
"gauge": {
"value": 63.5
},
"tags": {
"host": "server_1",
"region": "us-east",
"environment": "production"
}
}`;

    it('gauge and counter', async () => {
      const id = newId();
      const body = `[${uniqueNames(gauge, id, ['node_cpu_temperature_celsius'])},${uniqueNames(counter, id, ['http_requests_total'])}]`;
      const response = await send(body);
      expect(response.status).toBe(202);
      expect(withoutTime(await storedRows(pipeline, id, 2))).toEqual([
        row({ name: `http_requests_total_${id}`, type: 'counter', value: 42 }),
        row({ name: `node_cpu_temperature_celsius_${id}`, type: 'gauge', value: 63.5 }),
      ]);
    });

    const histogramRows = (name: string) => [
      row({ name, type: 'histogram', 'tags.key': ['upper_limit'], 'tags.value': ['0.1'], value: 15 }),
      row({ name, type: 'histogram', 'tags.key': ['upper_limit'], 'tags.value': ['0.2'], value: 30 }),
      row({ name, type: 'histogram', 'tags.key': ['upper_limit'], 'tags.value': ['0.5'], value: 45 }),
      row({ name, type: 'histogram', 'tags.key': ['upper_limit'], 'tags.value': ['1'], value: 50 }),
      row({ name: `${name}_count`, type: 'histogram', value: 140 }),
      row({ name: `${name}_sum`, type: 'histogram', value: 75.5 }),
    ];

    it('histogram: name{upper_limit} per bucket as sent, name_sum, name_count', async () => {
      const id = newId();
      const before = nowUs();
      const response = await send(uniqueNames(histogram, id, ['http_request_duration_seconds']));
      const after = nowUs();
      expect(response.status).toBe(202);
      expect(response.json()).toEqual({ accepted: 1, rejected: 0, errors: [] });
      const rows = await storedRows(pipeline, id, 6);
      expect(withoutTime(rows)).toEqual(histogramRows(`http_request_duration_seconds_${id}`));
      expectReceptionTime(rows, before, after);
    });

    it('histogram as MessagePack', async () => {
      const id = newId();
      const record = JSON.parse(uniqueNames(histogram, id, ['http_request_duration_seconds'])) as unknown;
      const response = await send(encode(record), 'application/msgpack');
      expect(response.status).toBe(202);
      expect(withoutTime(await storedRows(pipeline, id, 6))).toEqual(
        histogramRows(`http_request_duration_seconds_${id}`),
      );
    });

    it('summary: name{quantile} per quantile, name_sum, name_count', async () => {
      const id = newId();
      const before = nowUs();
      const response = await send(uniqueNames(summary, id, ['http_response_size_bytes']));
      const after = nowUs();
      expect(response.status).toBe(202);
      expect(response.json()).toEqual({ accepted: 1, rejected: 0, errors: [] });
      const name = `http_response_size_bytes_${id}`;
      const rows = await storedRows(pipeline, id, 5);
      expect(withoutTime(rows)).toEqual([
        row({ name, type: 'summary', 'tags.key': ['quantile'], 'tags.value': ['0.5'], value: 200 }),
        row({ name, type: 'summary', 'tags.key': ['quantile'], 'tags.value': ['0.9'], value: 450 }),
        row({ name, type: 'summary', 'tags.key': ['quantile'], 'tags.value': ['0.99'], value: 600 }),
        row({ name: `${name}_count`, type: 'summary', value: 100 }),
        row({ name: `${name}_sum`, type: 'summary', value: 25000 }),
      ]);
      expectReceptionTime(rows, before, after);
    });

    it('tags, sorted by key', async () => {
      const id = newId();
      const response = await send(uniqueNames(tags, id, ['node_cpu_temperature_celsius']));
      expect(response.status).toBe(202);
      expect(withoutTime(await storedRows(pipeline, id, 1))).toEqual([
        row({
          name: `node_cpu_temperature_celsius_${id}`,
          type: 'gauge',
          'tags.key': ['environment', 'host', 'region'],
          'tags.value': ['production', 'server_1', 'us-east'],
          value: 63.5,
        }),
      ]);
    });
  });

  describe('the dt examples under the default 15-minute window', () => {
    it.each(DT_EXAMPLES)('dt $dt alone: 406 naming the reason, dead-lettered, counted', async ({
      dt,
      iso,
    }) => {
      const id = newId();
      const name = `test_metric_${id}`;
      const rejectedBefore = await receiverRecords(pipeline, 'rejected');
      const response = await send(dtExample(name, dt));
      const reason = `timestamp ${iso} is more than 15 min in the past`;
      expect(response.status).toBe(406);
      expect(response.text).toBe(`${PARSE} No valid record: record 0: ${reason}`);
      expect(await receiverRecords(pipeline, 'rejected')).toBe(rejectedBefore + 1);
      const letter = await waitFor('the dead letter', () =>
        deadLetters.find((l) => (l.record as { name?: string } | null)?.name === name),
      );
      expect(letter).toMatchObject({
        stage: 'normalizer',
        org: TEST_CREDENTIALS.betterstack.org,
        source: TEST_CREDENTIALS.betterstack.source,
        dialect: 'betterstack',
        reason,
        index: 0,
        record: JSON.parse(dtExample(name, dt)),
      });
      // A body without a valid record stores nothing.
      const [{ n }] = (await pipeline.query(
        `SELECT count() AS n FROM metrics.samples WHERE name LIKE '%${id}%'`,
      )) as [{ n: unknown }];
      expect(Number(n)).toBe(0);
    });

    it.each(
      DT_EXAMPLES,
    )('dt $dt beside a valid record: 202, the valid one stored, the old one dead-lettered', async ({
      dt,
      iso,
    }) => {
      const id = newId();
      const old = `old_${id}`;
      const rejectedBefore = await receiverRecords(pipeline, 'rejected');
      const acceptedBefore = await receiverRecords(pipeline, 'accepted');
      const body = `[${dtExample(old, dt)},{"name":"fresh_${id}","gauge":{"value":7}}]`;
      const response = await send(body);
      const reason = `timestamp ${iso} is more than 15 min in the past`;
      expect(response.status).toBe(202);
      expect(response.json()).toEqual({ accepted: 1, rejected: 1, errors: [{ index: 0, error: reason }] });
      expect(await receiverRecords(pipeline, 'rejected')).toBe(rejectedBefore + 1);
      expect(await receiverRecords(pipeline, 'accepted')).toBe(acceptedBefore + 1);
      const letter = await waitFor('the dead letter', () =>
        deadLetters.find((l) => (l.record as { name?: string } | null)?.name === old),
      );
      expect(letter).toMatchObject({
        org: TEST_CREDENTIALS.betterstack.org,
        dialect: 'betterstack',
        reason,
        index: 0,
        record: JSON.parse(dtExample(old, dt)),
      });
      // The valid record of the same body is stored; the dead letter was written with it, so the old
      // one would be there by now if it were stored at all.
      const rows = await storedRows(pipeline, id, 1);
      expect(withoutTime(rows)).toEqual([row({ name: `fresh_${id}`, type: 'gauge', value: 7 })]);
    });
  });

  it('an unparsable dt: stored at reception time with dt_raw', async () => {
    const id = newId();
    const before = nowUs();
    const response = await send(
      `[{"name":"yesterday_${id}","gauge":{"value":1},"dt":"yesterday"},{"name":"object_${id}","counter":{"value":2},"dt":{"when":"now"}}]`,
    );
    const after = nowUs();
    expect(response.status).toBe(202);
    expect(response.json()).toEqual({ accepted: 2, rejected: 0, errors: [] });
    const rows = await storedRows(pipeline, id, 2);
    expect(withoutTime(rows)).toEqual([
      row({ name: `object_${id}`, type: 'counter', value: 2, dt_raw: '{"when":"now"}' }),
      row({ name: `yesterday_${id}`, type: 'gauge', value: 1, dt_raw: 'yesterday' }),
    ]);
    expectReceptionTime(rows, before, after);
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
  ] as const)('a %s body is inflated and stored', async (encoding, compress) => {
    const id = newId();
    const ndjson = uniqueNames(
      '{"name":"metric_a","gauge":{"value":3.14}}\n{"name":"metric_b","counter":{"value":42}}',
      id,
      ['metric_a', 'metric_b'],
    );
    const response = await send(compress(ndjson), 'application/x-ndjson', { 'content-encoding': encoding });
    expect(response.status).toBe(202);
    expect(response.json()).toEqual({ accepted: 2, rejected: 0, errors: [] });
    expect(withoutTime(await storedRows(pipeline, id, 2))).toEqual([
      row({ name: `metric_a_${id}`, type: 'gauge', value: 3.14 }),
      row({ name: `metric_b_${id}`, type: 'counter', value: 42 }),
    ]);
  });

  it('a body just under 20 MiB goes through whole', async () => {
    const id = newId();
    const pad = 'x'.repeat(900);
    const lines: string[] = [];
    let size = 0;
    const limit = 20 * MiB - 16 * 1024;
    for (let i = 0; ; i++) {
      const line = `{"name":"big_${id}","gauge":{"value":${i}},"tags":{"i":"${i}","pad":"${pad}"}}`;
      if (size + line.length + 1 > limit) break;
      lines.push(line);
      size += line.length + 1;
    }
    const body = lines.join('\n');
    expect(body.length).toBeGreaterThan(20 * MiB - 32 * 1024);
    expect(body.length).toBeLessThanOrEqual(20 * MiB);
    const response = await send(body, 'application/x-ndjson');
    expect(response.status).toBe(202);
    expect(response.json()).toEqual({ accepted: lines.length, rejected: 0, errors: [] });
    const sql = `SELECT count() AS n, uniqExact(value) AS values, min(value) AS lo, max(value) AS hi
      FROM metrics.samples WHERE name = 'big_${id}'`;
    const [stats] = await pipeline.waitForRows(sql, (r) => Number(r[0]?.n) >= lines.length, 180_000);
    expect({
      n: Number(stats!.n),
      values: Number(stats!.values),
      lo: Number(stats!.lo),
      hi: Number(stats!.hi),
    }).toEqual({ n: lines.length, values: lines.length, lo: 0, hi: lines.length - 1 });
  });
});

describe('Better Stack dt examples with the time window off (server ClickHouse)', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startWith('server', { MAX_SAMPLE_AGE_SECONDS: '0', MAX_SAMPLE_FUTURE_SECONDS: '0' });
  });
  afterAll(async () => {
    await pipeline?.stop();
  });

  const send = (body: string | Uint8Array, contentType = 'application/json') =>
    post(`${pipeline.receiverUrl}/metrics`, body, betterStackHeaders(contentType));

  it.each(DT_EXAMPLES)('dt $dt: stored at exactly $us µs', async ({ dt, us }) => {
    const id = newId();
    const name = `test_metric_${id}`;
    const response = await send(dtExample(name, dt));
    expect(response.status).toBe(202);
    expect(response.json()).toEqual({ accepted: 1, rejected: 0, errors: [] });
    expect(await storedRows(pipeline, id, 1)).toEqual([
      row({ name, type: 'gauge', value: 123, timestamp_us: us }),
    ]);
  });

  it("the spec's own dt curl example, verbatim", async () => {
    // The spec posts it to the host's root; this receiver serves Better Stack at /metrics only.
    const response = await send(
      '{"name":"test_metric","gauge":{"value":123},"dt":"2023-08-09 07:03:30+00:00"}',
    );
    expect(response.status).toBe(202);
    const rows = await pipeline.waitForRows(
      "SELECT name, type, toString(timestamp_us) AS timestamp_us, value, dt_raw FROM metrics.samples WHERE name = 'test_metric'",
      (r) => r.length === 1,
    );
    expect(rows).toEqual([
      { name: 'test_metric', type: 'gauge', timestamp_us: '1691564610000000', value: 123, dt_raw: '' },
    ]);
  });

  it('every dt example in one NDJSON body', async () => {
    const id = newId();
    const body = DT_EXAMPLES.map(({ dt }, i) => dtExample(`ndjson_${i}_${id}`, dt)).join('\n');
    const response = await send(body, 'application/x-ndjson');
    expect(response.status).toBe(202);
    expect(response.json()).toEqual({ accepted: DT_EXAMPLES.length, rejected: 0, errors: [] });
    const rows = await storedRows(pipeline, id, DT_EXAMPLES.length);
    expect(rows.map((r) => [r.name, r.timestamp_us])).toEqual(
      DT_EXAMPLES.map(({ us }, i) => [`ndjson_${i}_${id}`, us]),
    );
  });

  it('MessagePack: integer epochs (nanoseconds as uint64, exact) and the timestamp extension', async () => {
    const id = newId();
    const records = [
      { name: `s_${id}`, gauge: { value: 1 }, dt: 1672490759 },
      { name: `ms_${id}`, gauge: { value: 2 }, dt: 1672490759123 },
      { name: `ns_${id}`, gauge: { value: 3 }, dt: 1672490759123456789n },
      { name: `iso_${id}`, gauge: { value: 4 }, dt: '2022-12-31 13:45:59.123456+02:00' },
      { name: `date_${id}`, gauge: { value: 5 }, dt: new Date(1672490759123) },
      {
        name: `ext_${id}`,
        gauge: { value: 6 },
        dt: new ExtData(-1, encodeTimeSpecToTimestamp({ sec: 1672490759, nsec: 123456789 })),
      },
    ];
    const response = await send(encode(records, { useBigInt64: true }), 'application/msgpack');
    expect(response.status).toBe(202);
    expect(response.json()).toEqual({ accepted: 6, rejected: 0, errors: [] });
    const rows = await storedRows(pipeline, id, 6);
    expect(
      Object.fromEntries(rows.map((r) => [r.name.slice(0, r.name.indexOf('_')), r.timestamp_us])),
    ).toEqual({
      s: '1672490759000000',
      ms: '1672490759123000',
      ns: '1672490759123456',
      iso: '1672487159123456',
      date: '1672490759123000',
      ext: '1672490759123456',
    });
  });
});
