// Every example of betterstack-metrics-api.txt, sent as the doc sends it, with the exact samples.
import { encode } from '@msgpack/msgpack';
import type { Sample } from '@pipeline/sample-model';
import { describe, expect, it } from 'vitest';
import type { BodyFormat } from './content-type.js';
import { type PayloadResult, processBetterStackPayload } from './process-payload.js';

const RECEIVED_US = 1_700_000_000_000_000; // 2023-11-14T22:13:20Z
const WINDOW_OFF = { maxAgeUs: 0, maxFutureUs: 0 };
const DEFAULT_WINDOW = { maxAgeUs: 15 * 60 * 1_000_000, maxFutureUs: 3600 * 1_000_000 };
const off = { receivedAtUs: RECEIVED_US, window: WINDOW_OFF };
const defaults = { receivedAtUs: RECEIVED_US, window: DEFAULT_WINDOW };

function sample(fields: Partial<Sample> & Pick<Sample, 'name' | 'type' | 'value'>): Sample {
  return { tags: [], timestampUs: RECEIVED_US, dtRaw: '', ...fields };
}

function accepted(result: PayloadResult): Sample[] {
  if (!result.ok) throw new Error(`expected ok, got ${result.error}`);
  expect(result.rejected).toEqual([]);
  expect(result.accepted).toBe(result.records);
  return result.samples;
}

const text = (s: string) => Buffer.from(s, 'utf8');

describe('spec: send a single metric', () => {
  const expected = [sample({ name: 'test_metric', type: 'gauge', value: 123 })];

  it.each<[BodyFormat, Buffer]>([
    ['json', text('{"name":"test_metric","gauge":{"value":123}}')],
    ['ndjson', text('{"name":"test_metric","gauge":{"value":123}}')],
    ['msgpack', Buffer.from(encode({ name: 'test_metric', gauge: { value: 123 } }))],
    // The bytes Python's msgpack.packb() prints for the doc's example, independent of the JS encoder.
    ['msgpack', Buffer.from('82a46e616d65ab746573745f6d6574726963a56761756765' + '81a576616c75657b', 'hex')],
  ])('%s', (format, body) => {
    for (const ctx of [off, defaults]) {
      const result = processBetterStackPayload(body, format, ctx);
      expect(accepted(result)).toEqual(expected);
      expect(result).toMatchObject({ accepted: 1, records: 1 });
    }
  });
});

describe('spec: send multiple metrics', () => {
  const batch = [
    { name: 'metric_a', gauge: { value: 3.14 } },
    { name: 'metric_b', counter: { value: 42 } },
  ];
  const expected = [
    sample({ name: 'metric_a', type: 'gauge', value: 3.14 }),
    sample({ name: 'metric_b', type: 'counter', value: 42 }),
  ];

  it.each<[BodyFormat, Buffer]>([
    ['json', text('[{"name":"metric_a","gauge":{"value":3.14}},{"name":"metric_b","counter":{"value":42}}]')],
    [
      'ndjson',
      text('{"name":"metric_a","gauge":{"value":3.14}}\n{"name":"metric_b","counter":{"value":42}}'),
    ],
    ['msgpack', Buffer.from(encode(batch))],
  ])('%s', (format, body) => {
    const result = processBetterStackPayload(body, format, defaults);
    expect(accepted(result)).toEqual(expected);
    expect(result).toMatchObject({ accepted: 2, records: 2 });
  });
});

describe('spec: metric types', () => {
  it('gauge', () => {
    const body = text('{"name":"node_cpu_temperature_celsius","gauge":{"value":63.5}}');
    expect(accepted(processBetterStackPayload(body, 'json', defaults))).toEqual([
      sample({ name: 'node_cpu_temperature_celsius', type: 'gauge', value: 63.5 }),
    ]);
  });

  it('counter', () => {
    const body = text('{"name":"http_requests_total","counter":{"value":42}}');
    expect(accepted(processBetterStackPayload(body, 'json', defaults))).toEqual([
      sample({ name: 'http_requests_total', type: 'counter', value: 42 }),
    ]);
  });

  it('histogram: a sample per bucket (counts as sent, not cumulated), _sum and _count, dt omitted', () => {
    const body = text(`{
      "name": "http_request_duration_seconds",
      "histogram": {
        "count": 140,
        "sum": 75.5,
        "buckets": [
          { "upper_limit": 0.1, "count": 15 },
          { "upper_limit": 0.2, "count": 30 },
          { "upper_limit": 0.5, "count": 45 },
          { "upper_limit": 1.0, "count": 50 }
        ]
      }
    }`);
    const name = 'http_request_duration_seconds';
    expect(accepted(processBetterStackPayload(body, 'json', defaults))).toEqual([
      sample({ name, type: 'histogram', tags: [['upper_limit', '0.1']], value: 15 }),
      sample({ name, type: 'histogram', tags: [['upper_limit', '0.2']], value: 30 }),
      sample({ name, type: 'histogram', tags: [['upper_limit', '0.5']], value: 45 }),
      sample({ name, type: 'histogram', tags: [['upper_limit', '1']], value: 50 }),
      sample({ name: `${name}_sum`, type: 'histogram', value: 75.5 }),
      sample({ name: `${name}_count`, type: 'histogram', value: 140 }),
    ]);
  });

  it('summary: a sample per quantile, _sum and _count', () => {
    const body = text(`{
      "name": "http_response_size_bytes",
      "summary": {
        "count": 100,
        "sum": 25000,
        "quantiles": [
          { "quantile": 0.5, "value": 200 },
          { "quantile": 0.9, "value": 450 },
          { "quantile": 0.99, "value": 600 }
        ]
      }
    }`);
    const name = 'http_response_size_bytes';
    expect(accepted(processBetterStackPayload(body, 'json', defaults))).toEqual([
      sample({ name, type: 'summary', tags: [['quantile', '0.5']], value: 200 }),
      sample({ name, type: 'summary', tags: [['quantile', '0.9']], value: 450 }),
      sample({ name, type: 'summary', tags: [['quantile', '0.99']], value: 600 }),
      sample({ name: `${name}_sum`, type: 'summary', value: 25000 }),
      sample({ name: `${name}_count`, type: 'summary', value: 100 }),
    ]);
  });

  it('tags, sorted by key', () => {
    const body = text(`{
      "name": "node_cpu_temperature_celsius",
      "gauge": { "value": 63.5 },
      "tags": { "host": "server_1", "region": "us-east", "environment": "production" }
    }`);
    expect(accepted(processBetterStackPayload(body, 'json', defaults))).toEqual([
      sample({
        name: 'node_cpu_temperature_celsius',
        type: 'gauge',
        value: 63.5,
        tags: [
          ['environment', 'production'],
          ['host', 'server_1'],
          ['region', 'us-east'],
        ],
      }),
    ]);
  });
});

describe('spec: dt examples', () => {
  const cases: [string, unknown, number, string][] = [
    ['seconds', 1672490759, 1672490759_000000, '2022-12-31T12:45:59.000Z'],
    ['milliseconds', 1672490759123, 1672490759123_000, '2022-12-31T12:45:59.123Z'],
    ['nanoseconds', 1672490759123456000, 1672490759123456, '2022-12-31T12:45:59.123Z'],
    ['RFC 3339 UTC', '2022-12-31T13:45:59.123456Z', 1672494359123456, '2022-12-31T13:45:59.123Z'],
    ['space and offset', '2022-12-31 13:45:59.123456+02:00', 1672487159123456, '2022-12-31T11:45:59.123Z'],
    ['curl example', '2023-08-09 07:03:30+00:00', 1691564610_000000, '2023-08-09T07:03:30.000Z'],
  ];

  // JSON.stringify writes 1672490759123456000 as 1672490759123456000, the doc's literal text.
  const body = (dt: unknown) => text(JSON.stringify({ name: 'test_metric', gauge: { value: 123 }, dt }));

  it.each(cases)('window off: %s is stored at its exact time', (_label, dt, micros) => {
    expect(accepted(processBetterStackPayload(body(dt), 'json', off))).toEqual([
      sample({ name: 'test_metric', type: 'gauge', value: 123, timestampUs: micros }),
    ]);
  });

  it.each(cases)('default window: %s is rejected as too old and counted', (_label, dt, _micros, iso) => {
    const result = processBetterStackPayload(body(dt), 'json', defaults);
    expect(result).toEqual({
      ok: true,
      samples: [],
      accepted: 0,
      records: 1,
      rejected: [
        {
          index: 0,
          reason: `timestamp ${iso} is more than 15 min in the past`,
          record: { name: 'test_metric', gauge: { value: 123 }, dt },
        },
      ],
    });
  });

  it('the doc literal 1672490759123456000 in the JSON text, not a re-serialised number', () => {
    const raw = text('{"name":"test_metric","gauge":{"value":123},"dt":1672490759123456000}');
    expect(accepted(processBetterStackPayload(raw, 'json', off))[0]?.timestampUs).toBe(1672490759123456);
  });

  it('the same dt examples in MessagePack, with the nanosecond epoch as an exact uint64', () => {
    const records = cases.map(([, dt]) => ({
      name: 'test_metric',
      gauge: { value: 123 },
      dt: dt === 1672490759123456000 ? 1672490759123456000n : dt,
    }));
    const samples = accepted(
      processBetterStackPayload(Buffer.from(encode(records, { useBigInt64: true })), 'msgpack', off),
    );
    expect(samples.map((s) => s.timestampUs)).toEqual(cases.map(([, , micros]) => micros));
  });

  it('a dt within the default window is accepted', () => {
    const dt = new Date(RECEIVED_US / 1000 - 60_000).toISOString(); // one minute before reception
    expect(accepted(processBetterStackPayload(body(dt), 'json', defaults))[0]?.timestampUs).toBe(
      RECEIVED_US - 60_000_000,
    );
  });
});
