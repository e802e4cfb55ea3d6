/**
 * OpenObserve's `_json` ingestion through the whole pipeline (CONTRACT.md §2–§4): every example of
 * shared/spec/openobserve-metrics-json-api.txt sent over HTTP to running services, each answer
 * compared exactly and each stored row of metrics.samples read back; failing records counted in
 * the answer, dead-lettered and counted in /metrics; and "the first type wins" across requests,
 * across two receivers racing, and across a normalizer restart.
 *
 * Both ClickHouse modes run the full set (describe.each): the pipeline is started once per mode
 * with two receivers, and everything here is cheap once it runs. The spec's examples keep their
 * stream names (each pipeline is fresh and each name is sent by one test only); every other test
 * uses names with a random suffix, since a stream's first type is final.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { rawPayloadMessage } from '@pipeline/kafka-io';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type HttpResult, openObserveHeaders, post } from '../support/http.js';
import { type Pipeline, type StoreMode, startPipeline, TEST_CREDENTIALS } from '../support/pipeline.js';

const { openobserve: ACME, openobserveOther: GLOBEX } = TEST_CREDENTIALS;
const suffix = () => randomBytes(4).toString('hex');
const mismatch = (stream: string, registered: string, got: string) =>
  `metric type mismatch: stream ${stream} is registered as ${registered}, got ${got}`;

interface Row {
  name: string;
  type: string;
  'tags.key': string[];
  'tags.value': string[];
  timestamp_us: string;
  value: number;
}

interface DeadLetter {
  stage: string;
  org: string;
  dialect: string;
  source: string;
  requestId: string;
  receivedAtUs: number;
  reason: string;
  index?: number;
  record?: unknown;
}

interface StreamStatus {
  name: string;
  successful: number;
  failed: number;
  error?: string;
}

/** Polls `probe` until `done` holds for its value; fails naming `what` and the last value. */
async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${shown(value)}`);
    await delay(150);
  }
}

function shown(value: unknown): string {
  try {
    return String(JSON.stringify(value)).slice(0, 2000);
  } catch (error) {
    return `(not shown: ${(error as Error).message})`;
  }
}

/** The sum of a Prometheus counter's samples whose labels include `labels`. */
async function counterValue(baseUrl: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const found = new Map([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => found.get(k) === v)) sum += Number(m[3]);
  }
  return sum;
}

/** Every message of the pipeline's dead-letter topic, read from its beginning as it grows. */
class DeadLetterTopic {
  readonly letters: DeadLetter[] = [];
  readonly #consumer: Consumer;

  constructor(kafka: Kafka, groupId: string) {
    this.#consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  }

  async start(topic: string): Promise<this> {
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topic, fromBeginning: true });
    await this.#consumer.run({
      eachMessage: async ({ message }) => {
        this.letters.push(JSON.parse(message.value!.toString('utf8')) as DeadLetter);
      },
    });
    return this;
  }

  /** The dead letters whose record has this `__name__`. */
  of(name: string): DeadLetter[] {
    return this.letters.filter(
      (d) =>
        typeof d.record === 'object' &&
        d.record !== null &&
        (d.record as { __name__?: unknown }).__name__ === name,
    );
  }

  stop(): Promise<void> {
    return this.#consumer.disconnect();
  }
}

describe.each<StoreMode>([
  'embedded',
  'server',
])('OpenObserve _json through the pipeline (%s ClickHouse)', (store) => {
  let pipeline: Pipeline;
  let kafka: Kafka;
  let deadLetters: DeadLetterTopic;

  const ingestUrl = (receiver = 0, org: string = ACME.org) =>
    `${pipeline.url('receiver', receiver)}/api/${org}/ingest/metrics/_json`;
  const send = (body: string | unknown[], receiver = 0): Promise<HttpResult> =>
    post(ingestUrl(receiver), typeof body === 'string' ? body : JSON.stringify(body), openObserveHeaders());
  const statuses = (response: HttpResult) => {
    expect(response.status, response.text).toBe(200);
    return response.json<{ code: number; status: StreamStatus[] }>().status;
  };

  /** Stored rows of these streams, sorted by name, time and tag values. */
  async function rowsOf(names: string[], org: string = ACME.org): Promise<Row[]> {
    const list = names.map((n) => `'${n}'`).join(', ');
    const rows = (await pipeline.query(
      `SELECT name, type, tags.key, tags.value, timestamp_us, value FROM metrics.samples WHERE org = '${org}' AND name IN (${list})`,
    )) as unknown as Row[];
    return rows
      .map((r) => ({ ...r, timestamp_us: String(r.timestamp_us), value: Number(r.value) }))
      .sort(
        (a, b) =>
          a.name.localeCompare(b.name) ||
          Number(BigInt(a.timestamp_us) - BigInt(b.timestamp_us)) ||
          JSON.stringify(a['tags.value']).localeCompare(JSON.stringify(b['tags.value'])),
      );
  }

  let probes = 0;
  /**
   * Sends one record of `type` for `name` (each with its own value) until the receiver refuses it,
   * then waits until every one of them is dead-lettered, so no body is left in flight.
   */
  async function untilRefused(name: string, type: string, receiver: number): Promise<StreamStatus> {
    const sent = new Set<number>();
    const refusal = await waitFor(
      `receiver ${receiver} to refuse a ${type} for ${name}`,
      async () => {
        const value = 1_000_000 + ++probes;
        sent.add(value);
        return statuses(await send([{ __name__: name, __type__: type, value }], receiver))[0];
      },
      (s) => s?.failed === 1,
    );
    await waitFor(
      `the ${sent.size} ${type} records sent to ${name} to be dead-lettered`,
      () => deadLetters.of(name).filter((d) => sent.has((d.record as { value: number }).value)),
      (d) => d.length === sent.size,
    );
    return refusal!;
  }

  const waitForRows = (names: string[], count: number, org: string = ACME.org) =>
    waitFor(
      `${count} rows of ${names.join(', ')}`,
      () => rowsOf(names, org),
      (rows) => rows.length >= count,
    );

  const row = (
    name: string,
    type: string,
    tags: [string, string][],
    timestampUs: number | string,
    value: number,
  ): Row => ({
    name,
    type,
    'tags.key': tags.map(([k]) => k),
    'tags.value': tags.map(([, v]) => v),
    timestamp_us: String(timestampUs),
    value,
  });

  beforeAll(async () => {
    pipeline = await startPipeline({
      store,
      kafkaBrokers: inject('kafkaBrokers'),
      clickhouseUrl: inject('clickhouseUrl'),
      receivers: 2,
      env: { RATE_LIMIT_PER_MINUTE: '0' },
    });
    kafka = new Kafka({
      clientId: `it-openobserve-${pipeline.id}`,
      brokers: inject('kafkaBrokers').split(','),
      logLevel: logLevel.NOTHING,
    });
    deadLetters = await new DeadLetterTopic(kafka, `it-dead-letters-${pipeline.id}`).start(
      `${pipeline.prefix}metrics.dead-letter`,
    );
  });
  afterAll(async () => {
    await deadLetters?.stop();
    await pipeline?.stop();
  });

  describe('the examples of the spec', () => {
    it('cpu gauge, with and without _timestamp: the spec answer, the second stored at the reception time', async () => {
      const before = Date.now() * 1000;
      const response = await send(`[
	{
		"__name__": "cpu",
		"__type__": "gauge",
		"namespace": "ziox",
		"container": "zo1",
        "_timestamp": 1687260776548485,
		"value": 1.31
	},
	{
		"__name__": "cpu",
		"__type__": "gauge",
		"namespace": "ziox",
		"container": "zo2",
		"value": 0.31
	}
]`);
      const after = (Date.now() + 1) * 1000;
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.text).toBe('{"code":200,"status":[{"name":"cpu","successful":2,"failed":0}]}');

      const rows = await waitForRows(['cpu'], 2);
      expect(rows).toHaveLength(2);
      expect(rows[0]).toEqual(
        row(
          'cpu',
          'gauge',
          [
            ['container', 'zo1'],
            ['namespace', 'ziox'],
          ],
          1687260776548485,
          1.31,
        ),
      );
      const received = rows[1]!;
      expect({ ...received, timestamp_us: '' }).toEqual(
        row(
          'cpu',
          'gauge',
          [
            ['container', 'zo2'],
            ['namespace', 'ziox'],
          ],
          '',
          0.31,
        ),
      );
      expect(Number(received.timestamp_us)).toBeGreaterThanOrEqual(before);
      expect(Number(received.timestamp_us)).toBeLessThanOrEqual(after);
    });

    it('the same records as NDJSON ("each line is one record"), to the second receiver', async () => {
      const name = `cpu_ndjson_${suffix()}`;
      const lines = [
        {
          __name__: name,
          __type__: 'gauge',
          namespace: 'ziox',
          container: 'zo1',
          _timestamp: 1687260776548485,
          value: 1.31,
        },
        {
          __name__: name,
          __type__: 'gauge',
          namespace: 'ziox',
          container: 'zo2',
          _timestamp: 1687260776548,
          value: 0.31,
        },
      ];
      const response = await send(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n`, 1);
      expect(statuses(response)).toEqual([{ name, successful: 2, failed: 0 }]);
      expect(await waitForRows([name], 2)).toEqual([
        row(
          name,
          'gauge',
          [
            ['container', 'zo2'],
            ['namespace', 'ziox'],
          ],
          1687260776548000,
          0.31,
        ),
        row(
          name,
          'gauge',
          [
            ['container', 'zo1'],
            ['namespace', 'ziox'],
          ],
          1687260776548485,
          1.31,
        ),
      ]);
    });

    it('zo_incoming_requests counter: millisecond _timestamp stored in µs, tags sorted', async () => {
      const response = await send(`[
    {
        "__name__": "zo_incoming_requests",
        "__type__": "counter",
        "endpoint": "/api/config",
        "method": "get",
        "status": "200",
        "instance": "zo1-openobserve-router-5d9f7d67c6-296wj",
        "_timestamp": 1690129406888,
        "value": 6.0
    }
]`);
      expect(response.text).toBe(
        '{"code":200,"status":[{"name":"zo_incoming_requests","successful":1,"failed":0}]}',
      );
      expect(await waitForRows(['zo_incoming_requests'], 1)).toEqual([
        row(
          'zo_incoming_requests',
          'counter',
          [
            ['endpoint', '/api/config'],
            ['instance', 'zo1-openobserve-router-5d9f7d67c6-296wj'],
            ['method', 'get'],
            ['status', '200'],
          ],
          1690129406888000,
          6,
        ),
      ]);
    });

    it('ingest_wal_used_bytes gauge: "stream" sorts before "stream_type"', async () => {
      const response = await send(`[
    {
        "__name__": "ingest_wal_used_bytes",
        "__type__": "gauge",
        "organization": "default",
        "stream_type": "logs",
        "stream": "default",
        "instance": "zo1-openobserve-router-5d9f7d67c6-296wj",
        "_timestamp": 1690129406888,
        "value": 180567.1
    }
]`);
      expect(response.text).toBe(
        '{"code":200,"status":[{"name":"ingest_wal_used_bytes","successful":1,"failed":0}]}',
      );
      expect(await waitForRows(['ingest_wal_used_bytes'], 1)).toEqual([
        row(
          'ingest_wal_used_bytes',
          'gauge',
          [
            ['instance', 'zo1-openobserve-router-5d9f7d67c6-296wj'],
            ['organization', 'default'],
            ['stream', 'default'],
            ['stream_type', 'logs'],
          ],
          1690129406888000,
          180567.1,
        ),
      ]);
    });

    const T = 1690129406888000;
    const api: [string, string][] = [
      ['endpoint', '/api/default/default/_json'],
      ['method', 'get'],
    ];

    it('histogram set: the type row stores nothing, buckets, count and sum are counters', async () => {
      const response = await send(`[
    {"__name__": "http_response_time", "__type__": "histogram"},
    {"__name__": "http_response_time_bucket", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "le": "0.001", "_timestamp": 1690129406888, "value": 18.0},
    {"__name__": "http_response_time_bucket", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "le": "0.01", "_timestamp": 1690129406888, "value": 18.0},
    {"__name__": "http_response_time_bucket", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "le": "0.1", "_timestamp": 1690129406888, "value": 18.0},
    {"__name__": "http_response_time_bucket", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "le": "+Inf", "_timestamp": 1690129406888, "value": 18.0},
    {"__name__": "http_response_time_count", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "_timestamp": 1690129406888, "value": 18.0},
    {"__name__": "http_response_time_sum", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "_timestamp": 1690129406888, "value": 0.003}
]`);
      expect(response.json()).toEqual({
        code: 200,
        status: [
          { name: 'http_response_time', successful: 1, failed: 0 },
          { name: 'http_response_time_bucket', successful: 4, failed: 0 },
          { name: 'http_response_time_count', successful: 1, failed: 0 },
          { name: 'http_response_time_sum', successful: 1, failed: 0 },
        ],
      });
      const names = [
        'http_response_time',
        'http_response_time_bucket',
        'http_response_time_count',
        'http_response_time_sum',
      ];
      const bucket = (le: string) =>
        row('http_response_time_bucket', 'counter', [api[0]!, ['le', le], api[1]!], T, 18);
      // Sorted by tag values: '+Inf' < '0.001' < '0.01' < '0.1'.
      expect(await waitForRows(names, 6)).toEqual([
        bucket('+Inf'),
        bucket('0.001'),
        bucket('0.01'),
        bucket('0.1'),
        row('http_response_time_count', 'counter', api, T, 18),
        row('http_response_time_sum', 'counter', api, T, 0.003),
      ]);
    });

    it('summary set: the quantile rows share the summary name and are stored as counters', async () => {
      const response = await send(`[
    {"__name__": "http_request_time", "__type__": "summary"},
    {"__name__": "http_request_time", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "quantile": "0.001", "_timestamp": 1690129406888, "value": 18.0},
    {"__name__": "http_request_time", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "quantile": "0.01", "_timestamp": 1690129406888, "value": 18.0},
    {"__name__": "http_request_time", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "quantile": "0.1", "_timestamp": 1690129406888, "value": 18.0},
    {"__name__": "http_request_time", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "quantile": "+Inf", "_timestamp": 1690129406888, "value": 18.0},
    {"__name__": "http_request_time_count", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "_timestamp": 1690129406888, "value": 18.0},
    {"__name__": "http_request_time_sum", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "_timestamp": 1690129406888, "value": 0.003}
]`);
      expect(response.json()).toEqual({
        code: 200,
        status: [
          { name: 'http_request_time', successful: 5, failed: 0 },
          { name: 'http_request_time_count', successful: 1, failed: 0 },
          { name: 'http_request_time_sum', successful: 1, failed: 0 },
        ],
      });
      const quantile = (q: string) => row('http_request_time', 'counter', [...api, ['quantile', q]], T, 18);
      expect(
        await waitForRows(['http_request_time', 'http_request_time_count', 'http_request_time_sum'], 6),
      ).toEqual([
        quantile('+Inf'),
        quantile('0.001'),
        quantile('0.01'),
        quantile('0.1'),
        row('http_request_time_count', 'counter', api, T, 18),
        row('http_request_time_sum', 'counter', api, T, 0.003),
      ]);
      // The summary type is final: a gauge under its name is refused once the registry knows it.
      expect(await untilRefused('http_request_time', 'gauge', 0)).toEqual({
        name: 'http_request_time',
        successful: 0,
        failed: 1,
        error: mismatch('http_request_time', 'summary', 'gauge'),
      });
    });

    it.each([
      // The spec's examples carry only a label and the timestamp; name, type and value are added.
      ['use miliseconds', 'up_ms', '1674789786006'],
      ['use microseconds', 'up_us', '1674789786006000'],
    ])('_timestamp, %s: stored as 1674789786006000 µs', async (_case, name, timestamp) => {
      const response = await send(`{
    "__name__": "${name}", "__type__": "gauge", "value": 1,
    "kubernetes_container_name": "prometheus", 
    "_timestamp": ${timestamp}
}`);
      expect(response.text).toBe(`{"code":200,"status":[{"name":"${name}","successful":1,"failed":0}]}`);
      expect(await waitForRows([name], 1)).toEqual([
        row(name, 'gauge', [['kubernetes_container_name', 'prometheus']], 1674789786006000, 1),
      ]);
    });
  });

  describe('failing records', () => {
    it('are counted per stream in the 200, dead-lettered with org, dialect, reason and record, and counted in /metrics', async () => {
      const s = suffix();
      const labels = (n: number) =>
        Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, `v${i}`]));
      const records: Record<string, unknown>[] = [
        { __name__: `bad_type_${s}`, __type__: 'gauge_ish', _timestamp: 1690129406888, value: 1 },
        { __name__: `no_value_${s}`, __type__: 'gauge', host: 'a', _timestamp: 1690129406888 },
        // __name__, __type__, _timestamp, value and 197 labels: 201 fields, one over the limit.
        { __name__: `wide_${s}`, __type__: 'gauge', _timestamp: 1690129406888, value: 1, ...labels(197) },
        // 200 fields: at the limit, accepted.
        { __name__: `wide_${s}`, __type__: 'gauge', _timestamp: 1690129406888, value: 2, ...labels(196) },
        { __name__: `text_ts_${s}`, __type__: 'gauge', _timestamp: '1690129406888', value: 1 },
        { __name__: `mixed_${s}`, __type__: 'gauge', _timestamp: 1690129406888, value: 1 },
        { __name__: `mixed_${s}`, __type__: 'counter', _timestamp: 1690129406888, value: 2 },
        // The spec's "data structure" template, as written: its __type__ is a placeholder.
        {
          __name__: `stream name ${s}`,
          __type__: 'counter / gauge / histogram / summary',
          label_name1: 'label_value1',
          label_name2: 'label_value2',
          _timestamp: 0,
          value: 0.0,
        },
        { __name__: `no_value_${s}`, __type__: 'gauge', host: 'b', _timestamp: 1690129406888, value: '1' },
      ];
      const reasons = new Map<number, string>([
        [0, 'unknown __type__ "gauge_ish": expected counter, gauge, histogram or summary'],
        [1, 'value is required and must be a number'],
        [2, 'record has 201 fields, more than the limit of 200'],
        [4, '_timestamp must be a number, got "1690129406888"'],
        [6, mismatch(`mixed_${s}`, 'gauge', 'counter')],
        [
          7,
          'unknown __type__ "counter / gauge / histogram / summary": expected counter, gauge, histogram or summary',
        ],
        [8, 'value is required and must be a number'],
      ]);
      const receiver = pipeline.url('receiver', 0);
      const normalizer = pipeline.url('normalizer', 0);
      const oo = { dialect: 'openobserve' };
      const before = {
        rejected: await counterValue(receiver, 'receiver_records_total', { ...oo, outcome: 'rejected' }),
        accepted: await counterValue(receiver, 'receiver_records_total', { ...oo, outcome: 'accepted' }),
        normalizerRejected: await counterValue(normalizer, 'normalizer_records_rejected_total', oo),
        normalizerSamples: await counterValue(normalizer, 'normalizer_samples_total', oo),
      };

      const response = await send(records);
      expect(response.json()).toEqual({
        code: 200,
        status: [
          { name: `bad_type_${s}`, successful: 0, failed: 1, error: reasons.get(0) },
          { name: `no_value_${s}`, successful: 0, failed: 2, error: reasons.get(1) },
          { name: `wide_${s}`, successful: 1, failed: 1, error: reasons.get(2) },
          { name: `text_ts_${s}`, successful: 0, failed: 1, error: reasons.get(4) },
          { name: `mixed_${s}`, successful: 1, failed: 1, error: reasons.get(6) },
          { name: `stream_name_${s}`, successful: 0, failed: 1, error: reasons.get(7) },
        ],
      });

      // Dead letters: one per failed record, all from this request, in the record's own shape.
      const first = await waitFor(
        'the first dead letter of the request',
        () => deadLetters.of(`bad_type_${s}`),
        (d) => d.length > 0,
      );
      const requestId = first[0]!.requestId;
      const letters = await waitFor(
        `${reasons.size} dead letters of request ${requestId}`,
        () => deadLetters.letters.filter((d) => d.requestId === requestId),
        (d) => d.length >= reasons.size,
      );
      expect([...letters].sort((a, b) => a.index! - b.index!)).toEqual(
        [...reasons].map(([index, reason]) => ({
          stage: 'normalizer',
          org: ACME.org,
          dialect: 'openobserve',
          source: ACME.user,
          requestId,
          receivedAtUs: expect.any(Number),
          reason,
          index,
          record: records[index],
        })),
      );

      // Only the two good records are stored.
      const stored = await waitForRows([`wide_${s}`, `mixed_${s}`], 2);
      const allNames = records.map((r) => String(r.__name__).replaceAll(' ', '_'));
      expect(stored.map((r) => [r.name, r.type, r.value, r['tags.key'].length])).toEqual([
        [`mixed_${s}`, 'gauge', 1, 0],
        [`wide_${s}`, 'gauge', 2, 196],
      ]);
      expect(await rowsOf(allNames)).toHaveLength(2);

      // Counters: the receiver's at once, the normalizer's once it has read the body.
      expect(await counterValue(receiver, 'receiver_records_total', { ...oo, outcome: 'rejected' })).toBe(
        before.rejected + reasons.size,
      );
      expect(await counterValue(receiver, 'receiver_records_total', { ...oo, outcome: 'accepted' })).toBe(
        before.accepted + 2,
      );
      await waitFor(
        'the normalizer to count the rejected records',
        () => counterValue(normalizer, 'normalizer_records_rejected_total', oo),
        (n) => n >= before.normalizerRejected + reasons.size,
      );
      expect(await counterValue(normalizer, 'normalizer_records_rejected_total', oo)).toBe(
        before.normalizerRejected + reasons.size,
      );
      expect(await counterValue(normalizer, 'normalizer_samples_total', oo)).toBe(
        before.normalizerSamples + 2,
      );
    });

    it('a record nested too deeply to encode is dead-lettered whole, and the rest of its body is stored', async () => {
      const name = `deep_${suffix()}`;
      const depth = 100_000;
      const deepArray = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const body = `[
        {"__name__":"${name}","__type__":"gauge","_timestamp":1690129406888,"value":1,"a":${deepArray}},
        ${deepArray},
        {"__name__":"${name}","__type__":"gauge","_timestamp":1690129406888,"value":2,"host":"ok"}
      ]`;
      // Another org than the other tests use. Before the fix, dead-lettering such a record threw
      // (RangeError) and the normalizer's consumer crashed for good: nothing after it was stored.
      const response = await post(
        ingestUrl(0, GLOBEX.org),
        body,
        openObserveHeaders(GLOBEX.user, GLOBEX.password),
      );
      expect(statuses(response)).toEqual([
        { name, successful: 1, failed: 1, error: 'label "a" is an array nested too deeply to encode' },
        { name: '_unknown', successful: 0, failed: 1, error: 'record must be a JSON object, got array' },
      ]);
      expect(await waitForRows([name], 1, GLOBEX.org)).toEqual([
        row(name, 'gauge', [['host', 'ok']], 1690129406888000, 2),
      ]);
      const letters = await waitFor(
        'two dead letters of the deep body',
        () => deadLetters.letters.filter((d) => d.org === GLOBEX.org && (d.index === 0 || d.index === 1)),
        (d) => d.length >= 2,
      );
      const depthOf = (value: unknown) => {
        let n = 0;
        for (let v = value; Array.isArray(v); v = v[0]) n++;
        return n;
      };
      const [labelled, bare] = [...letters].sort((a, b) => a.index! - b.index!);
      expect(labelled!.reason).toBe('label "a" is an array nested too deeply to encode');
      expect(depthOf((labelled!.record as { a: unknown }).a)).toBe(depth);
      expect(bare!.reason).toBe('record must be a JSON object, got array');
      expect(depthOf(bare!.record)).toBe(depth);
    });
  });

  describe('types are final', () => {
    it('a receiver refuses a conflicting type in a later request once its registry has caught up', async () => {
      const name = `final_${suffix()}`;
      const gauge = (value: number) => ({
        __name__: name,
        __type__: 'gauge',
        _timestamp: 1690129406888,
        value,
      });
      expect(statuses(await send([gauge(0)]))).toEqual([{ name, successful: 1, failed: 0 }]);
      await waitForRows([name], 1);

      // Until the receiver has read the registration it may accept a conflict (the normalizer
      // still refuses it); each try carries an accepted gauge so its body is visibly processed.
      let tries = 0;
      const refused = await waitFor(
        'the receiver to refuse a counter',
        async () => {
          tries++;
          const counter = { __name__: name, __type__: 'counter', attempt: String(tries), value: tries };
          return statuses(await send([counter, { ...gauge(tries), _timestamp: 1690129406888 + tries }]));
        },
        (s) => s[0]?.failed === 1,
      );
      expect(refused).toEqual([
        { name, successful: 1, failed: 1, error: mismatch(name, 'gauge', 'counter') },
      ]);

      const rows = await waitForRows([name], 1 + tries);
      expect(rows.map((r) => [r.type, r.value])).toEqual(
        Array.from({ length: 1 + tries }, (_, i) => ['gauge', i]),
      );
      const letters = await waitFor(
        `${tries} dead letters of ${name}`,
        () => deadLetters.of(name),
        (d) => d.length >= tries,
      );
      expect(letters).toHaveLength(tries);
      for (const letter of letters) {
        expect(letter).toMatchObject({
          org: ACME.org,
          dialect: 'openobserve',
          reason: mismatch(name, 'gauge', 'counter'),
        });
      }
      // The other receiver refuses it too, from the same registry topic.
      expect(await untilRefused(name, 'counter', 1)).toEqual({
        name,
        successful: 0,
        failed: 1,
        error: mismatch(name, 'gauge', 'counter'),
      });
    });

    it('two receivers racing with two types for a new stream: one type is stored, the other dead-lettered', async () => {
      const name = `race_${suffix()}`;
      const body = (type: string) =>
        ['a', 'b', 'c'].map((host, i) => ({
          __name__: name,
          __type__: type,
          host,
          _timestamp: 1690129406888 + i,
          value: type === 'gauge' ? i : 100 + i,
        }));
      const [toFirst, toSecond] = await Promise.all([send(body('gauge'), 0), send(body('counter'), 1)]);
      const answers = { gauge: statuses(toFirst), counter: statuses(toSecond) };

      const [rows, letters] = await waitFor(
        'six records of the race stored or dead-lettered',
        async () => [await rowsOf([name]), deadLetters.of(name)] as const,
        ([r, d]) => r.length + d.length >= 6,
      );
      const winner = rows[0]?.type as 'gauge' | 'counter';
      const loser = winner === 'gauge' ? 'counter' : 'gauge';
      expect(['gauge', 'counter']).toContain(winner);
      expect(rows.map((r) => [r.type, r['tags.value'], r.value])).toEqual(
        body(winner).map((r) => [winner, [r.host], r.value]),
      );
      expect(letters).toHaveLength(3);
      for (const letter of letters) {
        expect(letter.reason).toBe(mismatch(name, winner, loser));
        expect((letter.record as { __type__: string }).__type__).toBe(loser);
      }
      expect(letters.map((l) => l.index).sort()).toEqual([0, 1, 2]);
      // The winner was told the truth; the loser's answer may have been optimistic.
      expect(answers[winner]).toEqual([{ name, successful: 3, failed: 0 }]);
      expect([
        [{ name, successful: 3, failed: 0 }],
        [{ name, successful: 0, failed: 3, error: mismatch(name, winner, loser) }],
      ]).toContainEqual(answers[loser]);
      // Both receivers end up refusing the losing type.
      for (const receiver of [0, 1]) {
        expect((await untilRefused(name, loser, receiver)).error).toBe(mismatch(name, winner, loser));
      }
    });

    it('the registry survives a normalizer restart: a conflict that passed no receiver check is still refused', async () => {
      const name = `restart_${suffix()}`;
      const sentinel = `restart_ok_${suffix()}`;
      expect(
        statuses(await send([{ __name__: name, __type__: 'gauge', _timestamp: 1690129406888, value: 1 }])),
      ).toEqual([{ name, successful: 1, failed: 0 }]);
      await waitForRows([name], 1);

      await pipeline.kill('normalizer');
      await pipeline.restart('normalizer');

      // As from a receiver that has not read the registry yet: straight into the raw topic.
      const requestId = `it-restart-${suffix()}`;
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      try {
        const message = rawPayloadMessage({
          dialect: 'openobserve',
          org: ACME.org,
          source: ACME.user,
          format: 'json',
          receivedAtUs: Date.now() * 1000,
          requestId,
          maxAgeUs: 0,
          maxFutureUs: 0,
          maxFieldsPerRecord: 200,
          body: Buffer.from(
            JSON.stringify([
              { __name__: name, __type__: 'counter', _timestamp: 1690129406889, value: 2 },
              { __name__: sentinel, __type__: 'gauge', _timestamp: 1690129406888, value: 3 },
            ]),
          ),
        });
        await producer.send({
          topic: `${pipeline.prefix}metrics.raw`,
          acks: -1,
          messages: [{ key: message.key ?? null, value: message.value, headers: message.headers }],
        });
      } finally {
        await producer.disconnect();
      }
      await waitForRows([sentinel], 1, ACME.org);
      const [letter] = await waitFor(
        'the dead letter of the conflicting record',
        () => deadLetters.letters.filter((d) => d.requestId === requestId),
        (d) => d.length >= 1,
      );
      expect(letter).toMatchObject({
        org: ACME.org,
        dialect: 'openobserve',
        reason: mismatch(name, 'gauge', 'counter'),
        index: 0,
        record: { __name__: name, __type__: 'counter', _timestamp: 1690129406889, value: 2 },
      });
      expect((await rowsOf([name])).map((r) => [r.type, r.value])).toEqual([['gauge', 1]]);

      // And over HTTP, to a receiver started again too: whatever it answers, nothing of it is stored.
      await pipeline.kill('receiver', 1);
      await pipeline.restart('receiver', 1);
      const answer = statuses(
        await send([{ __name__: name, __type__: 'counter', _timestamp: 1690129406890, value: 4 }], 1),
      );
      expect([
        [{ name, successful: 1, failed: 0 }],
        [{ name, successful: 0, failed: 1, error: mismatch(name, 'gauge', 'counter') }],
      ]).toContainEqual(answer);
      await waitFor(
        'the dead letter of the counter sent after the restarts',
        () => deadLetters.of(name).filter((d) => (d.record as { value: number }).value === 4),
        (d) => d.length === 1,
      );
      expect((await rowsOf([name])).map((r) => [r.type, r.value])).toEqual([['gauge', 1]]);
    });
  });
});
