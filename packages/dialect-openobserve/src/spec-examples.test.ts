import { describe, expect, it } from 'vitest';
import { statusResponse } from './stream-status.js';
import { context, RECEIVED_AT_US, run, sample } from './test-support.js';

// The examples of shared/spec/openobserve-metrics-json-api.txt. The text lost the braces and
// brackets of its code blocks; they are restored here, everything else is verbatim.

const cpuExample = `[
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
]`;

const cpuSamples = [
  sample(
    'cpu',
    'gauge',
    [
      ['container', 'zo1'],
      ['namespace', 'ziox'],
    ],
    1687260776548485,
    1.31,
  ),
  sample(
    'cpu',
    'gauge',
    [
      ['container', 'zo2'],
      ['namespace', 'ziox'],
    ],
    RECEIVED_AT_US,
    0.31,
  ),
];

describe('spec example: cpu gauge, with and without _timestamp (braces restored)', () => {
  it('stores both samples, the second at the reception time', () => {
    const result = run(cpuExample);
    expect(result.samples).toEqual(cpuSamples);
    expect(result.streams).toEqual([{ name: 'cpu', successful: 2, failed: 0 }]);
    expect(result.rejected).toEqual([]);
    expect(result.registrations).toEqual([{ stream: 'cpu', type: 'gauge' }]);
    expect(result.records).toBe(2);
  });

  it('answers with the response body of the spec', () => {
    const result = run(cpuExample);
    expect(JSON.stringify(statusResponse(result.streams))).toBe(
      '{"code":200,"status":[{"name":"cpu","successful":2,"failed":0}]}',
    );
  });

  it('gives the same result for the records sent as NDJSON ("each line is one record")', () => {
    const ndjson = (JSON.parse(cpuExample) as unknown[]).map((r) => JSON.stringify(r)).join('\n');
    const result = run(ndjson);
    expect(result.samples).toEqual(cpuSamples);
    expect(result.streams).toEqual([{ name: 'cpu', successful: 2, failed: 0 }]);
  });
});

describe('spec example: data structure (comments removed)', () => {
  it('fails, because "counter / gauge / histogram / summary" is a placeholder, not a type', () => {
    const result = run(`[
    {
        "__name__": "stream name",
        "__type__": "counter / gauge / histogram / summary",
        "label_name1": "label_value1",
        "label_name2": "label_value2",
        "_timestamp": 0,
        "value": 0.0
    }
]`);
    expect(result.streams).toEqual([
      {
        name: 'stream_name',
        successful: 0,
        failed: 1,
        error:
          'unknown __type__ "counter / gauge / histogram / summary": expected counter, gauge, histogram or summary',
      },
    ]);
  });

  it('with a real type, stores the sample at the reception time (_timestamp 0) under stream_name', () => {
    const result = run(`[
    {
        "__name__": "stream name",
        "__type__": "gauge",
        "label_name1": "label_value1",
        "label_name2": "label_value2",
        "_timestamp": 0,
        "value": 0.0
    }
]`);
    expect(result.samples).toEqual([
      sample(
        'stream_name',
        'gauge',
        [
          ['label_name1', 'label_value1'],
          ['label_name2', 'label_value2'],
        ],
        RECEIVED_AT_US,
        0,
      ),
    ]);
    expect(result.streams).toEqual([{ name: 'stream_name', successful: 1, failed: 0 }]);
  });
});

describe('spec example: _timestamp units (__name__, __type__ and value added, the example has none)', () => {
  const withTimestamp = (timestamp: string) => `{
    "__name__": "up", "__type__": "gauge", "value": 1,
    "kubernetes_container_name": "prometheus", 
    "_timestamp": ${timestamp}
}`;

  it('use miliseconds: 1674789786006', () => {
    const result = run(withTimestamp('1674789786006'));
    expect(result.samples).toEqual([
      sample('up', 'gauge', [['kubernetes_container_name', 'prometheus']], 1674789786006000, 1),
    ]);
    expect(result.streams).toEqual([{ name: 'up', successful: 1, failed: 0 }]);
  });

  it('use microseconds: 1674789786006000', () => {
    const result = run(withTimestamp('1674789786006000'));
    expect(result.samples).toEqual([
      sample('up', 'gauge', [['kubernetes_container_name', 'prometheus']], 1674789786006000, 1),
    ]);
    expect(result.streams).toEqual([{ name: 'up', successful: 1, failed: 0 }]);
  });
});

describe('spec example: zo_incoming_requests counter', () => {
  it('stores one counter sample with sorted tags and the millisecond time in µs', () => {
    const result = run(`[
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
    expect(result.samples).toEqual([
      sample(
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
    expect(result.streams).toEqual([{ name: 'zo_incoming_requests', successful: 1, failed: 0 }]);
    expect(result.registrations).toEqual([{ stream: 'zo_incoming_requests', type: 'counter' }]);
  });
});

describe('spec example: ingest_wal_used_bytes gauge', () => {
  it('stores one gauge sample; "stream" sorts before "stream_type"', () => {
    const result = run(`[
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
    expect(result.samples).toEqual([
      sample(
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
    expect(result.streams).toEqual([{ name: 'ingest_wal_used_bytes', successful: 1, failed: 0 }]);
  });
});

const T = 1690129406888000;
const api: [string, string][] = [
  ['endpoint', '/api/default/default/_json'],
  ['method', 'get'],
];

describe('spec example: histogram set (brackets restored)', () => {
  const body = `[
    {"__name__": "http_response_time", "__type__": "histogram"},
    {"__name__": "http_response_time_bucket", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "le": "0.001", "_timestamp": 1690129406888, "value": 18.0},
    {"__name__": "http_response_time_bucket", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "le": "0.01", "_timestamp": 1690129406888, "value": 18.0},
    {"__name__": "http_response_time_bucket", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "le": "0.1", "_timestamp": 1690129406888, "value": 18.0},
    {"__name__": "http_response_time_bucket", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "le": "+Inf", "_timestamp": 1690129406888, "value": 18.0},
    {"__name__": "http_response_time_count", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "_timestamp": 1690129406888, "value": 18.0},
    {"__name__": "http_response_time_sum", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "_timestamp": 1690129406888, "value": 0.003}
]`;
  // Sorted tags: 'le' falls between 'endpoint' and 'method'.
  const bucket = (le: string) =>
    sample(
      'http_response_time_bucket',
      'counter',
      [
        ['endpoint', '/api/default/default/_json'],
        ['le', le],
        ['method', 'get'],
      ],
      T,
      18,
    );

  it('registers the histogram, stores buckets, count and sum as counters', () => {
    const result = run(body);
    expect(result.samples).toEqual([
      bucket('0.001'),
      bucket('0.01'),
      bucket('0.1'),
      bucket('+Inf'),
      sample('http_response_time_count', 'counter', api, T, 18),
      sample('http_response_time_sum', 'counter', api, T, 0.003),
    ]);
    expect(result.streams).toEqual([
      { name: 'http_response_time', successful: 1, failed: 0 },
      { name: 'http_response_time_bucket', successful: 4, failed: 0 },
      { name: 'http_response_time_count', successful: 1, failed: 0 },
      { name: 'http_response_time_sum', successful: 1, failed: 0 },
    ]);
    expect(result.registrations).toEqual([
      { stream: 'http_response_time', type: 'histogram' },
      { stream: 'http_response_time_bucket', type: 'counter' },
      { stream: 'http_response_time_count', type: 'counter' },
      { stream: 'http_response_time_sum', type: 'counter' },
    ]);
    expect(result.rejected).toEqual([]);
  });

  it('gives the same samples when the types are already registered, and registers nothing', () => {
    const known = context({
      known: {
        http_response_time: 'histogram',
        http_response_time_bucket: 'counter',
        http_response_time_count: 'counter',
        http_response_time_sum: 'counter',
      },
    });
    const result = run(body, known);
    expect(result.samples).toHaveLength(6);
    expect(result.registrations).toEqual([]);
    expect(result.rejected).toEqual([]);
  });
});

describe('spec example: summary set (brackets restored)', () => {
  const body = `[
    {"__name__": "http_request_time", "__type__": "summary"},
    {"__name__": "http_request_time", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "quantile": "0.001", "_timestamp": 1690129406888, "value": 18.0},
    {"__name__": "http_request_time", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "quantile": "0.01", "_timestamp": 1690129406888, "value": 18.0},
    {"__name__": "http_request_time", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "quantile": "0.1", "_timestamp": 1690129406888, "value": 18.0},
    {"__name__": "http_request_time", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "quantile": "+Inf", "_timestamp": 1690129406888, "value": 18.0},
    {"__name__": "http_request_time_count", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "_timestamp": 1690129406888, "value": 18.0},
    {"__name__": "http_request_time_sum", "__type__": "counter", "endpoint": "/api/default/default/_json", "method": "get", "_timestamp": 1690129406888, "value": 0.003}
]`;
  const quantile = (q: string) => sample('http_request_time', 'counter', [...api, ['quantile', q]], T, 18);

  // The quantile rows share the summary's stream name; see typeFits in metric-type.ts.
  it('registers the summary and stores its quantile rows, count and sum as counters', () => {
    const result = run(body);
    expect(result.samples).toEqual([
      quantile('0.001'),
      quantile('0.01'),
      quantile('0.1'),
      quantile('+Inf'),
      sample('http_request_time_count', 'counter', api, T, 18),
      sample('http_request_time_sum', 'counter', api, T, 0.003),
    ]);
    expect(result.streams).toEqual([
      { name: 'http_request_time', successful: 5, failed: 0 },
      { name: 'http_request_time_count', successful: 1, failed: 0 },
      { name: 'http_request_time_sum', successful: 1, failed: 0 },
    ]);
    expect(result.registrations).toEqual([
      { stream: 'http_request_time', type: 'summary' },
      { stream: 'http_request_time_count', type: 'counter' },
      { stream: 'http_request_time_sum', type: 'counter' },
    ]);
    expect(result.rejected).toEqual([]);
  });

  it('accepts the quantile rows in a later request, once the summary is registered', () => {
    const result = run(body, context({ known: { http_request_time: 'summary' } }));
    expect(result.streams[0]).toEqual({ name: 'http_request_time', successful: 5, failed: 0 });
    expect(result.registrations.map((r) => r.stream)).toEqual([
      'http_request_time_count',
      'http_request_time_sum',
    ]);
  });
});

describe('status-only mode (the receiver)', () => {
  it('answers the spec examples with the same statuses and no samples', () => {
    const full = run(cpuExample);
    const statusOnly = run(cpuExample, { ...context(), statusOnly: true });
    expect(statusOnly.samples).toEqual([]);
    expect(statusOnly.streams).toEqual(full.streams);
    expect(statusOnly.registrations).toEqual(full.registrations);
  });
});
