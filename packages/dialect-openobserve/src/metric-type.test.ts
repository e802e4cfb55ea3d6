import { describe, expect, it } from 'vitest';
import { parseMetricType, typeFits } from './metric-type.js';
import { context, RECEIVED_AT_US, run, sample } from './test-support.js';
import type { KnownTypes } from './types.js';

describe('parseMetricType', () => {
  it.each([
    ['counter', 'counter'],
    ['gauge', 'gauge'],
    ['histogram', 'histogram'],
    ['summary', 'summary'],
    ['guage', 'gauge'],
    ['GUAGE', 'gauge'],
    ['Gauge', 'gauge'],
    ['COUNTER', 'counter'],
    ['HiStOgRaM', 'histogram'],
    ['Summary', 'summary'],
  ])('%s → %s', (text, type) => {
    expect(parseMetricType(text)).toBe(type);
  });

  it.each(['', 'gauges', 'untyped', 'gauge ', 'counter/gauge', 'ＧＡＵＧＥ'])('refuses %j', (text) => {
    expect(parseMetricType(text)).toEqual({
      reason: `unknown __type__ ${JSON.stringify(text)}: expected counter, gauge, histogram or summary`,
    });
  });
});

describe('typeFits', () => {
  it('lets a counter join a summary (the seed sends quantile rows so) and nothing else', () => {
    expect(typeFits('summary', 'counter')).toBe(true);
    expect(typeFits('counter', 'summary')).toBe(false);
    expect(typeFits('histogram', 'counter')).toBe(false);
    expect(typeFits('summary', 'gauge')).toBe(false);
    expect(typeFits('gauge', 'counter')).toBe(false);
  });
});

const gauge = (name: string, value = 1) => ({ __name__: name, __type__: 'gauge', value });
const counter = (name: string, value = 1) => ({ __name__: name, __type__: 'counter', value });

describe('types are final per stream', () => {
  it('fails a record whose type differs from the known registration, naming it', () => {
    const result = run([counter('cpu'), gauge('cpu', 2)], context({ known: { cpu: 'gauge' } }));
    expect(result.streams).toEqual([
      {
        name: 'cpu',
        successful: 1,
        failed: 1,
        error: 'metric type mismatch: stream cpu is registered as gauge, got counter',
      },
    ]);
    expect(result.samples.map((s) => s.value)).toEqual([2]);
    expect(result.registrations).toEqual([]);
  });

  it('registers the first type within the payload and holds later records to it', () => {
    const result = run([gauge('cpu'), counter('cpu'), gauge('cpu', 3)]);
    expect(result.registrations).toEqual([{ stream: 'cpu', type: 'gauge' }]);
    expect(result.rejected).toEqual([
      {
        index: 1,
        reason: 'metric type mismatch: stream cpu is registered as gauge, got counter',
        record: counter('cpu'),
      },
    ]);
    expect(result.samples.map((s) => s.value)).toEqual([1, 3]);
  });

  it('compares the formatted stream name: "CPU" and "cpu" are one stream', () => {
    const result = run([gauge('CPU'), counter('cpu')]);
    expect(result.streams).toEqual([
      {
        name: 'cpu',
        successful: 1,
        failed: 1,
        error: 'metric type mismatch: stream cpu is registered as gauge, got counter',
      },
    ]);
  });

  it('never registers a type from a failed record', () => {
    const result = run([{ __name__: 'cpu', __type__: 'counter', value: 'x' }, gauge('cpu')]);
    expect(result.registrations).toEqual([{ stream: 'cpu', type: 'gauge' }]);
    expect(result.streams).toEqual([
      { name: 'cpu', successful: 1, failed: 1, error: 'value is required and must be a number' },
    ]);
  });

  it('lists registrations once per stream, in order of first appearance', () => {
    const result = run([
      gauge('b'),
      counter('a'),
      gauge('b'),
      { __name__: 'c', __type__: 'histogram' },
      counter('a'),
    ]);
    expect(result.registrations).toEqual([
      { stream: 'b', type: 'gauge' },
      { stream: 'a', type: 'counter' },
      { stream: 'c', type: 'histogram' },
    ]);
  });

  it('asks the caller once per stream, not once per record', () => {
    const asked: string[] = [];
    const knownTypes: KnownTypes = {
      get(stream) {
        asked.push(stream);
        return stream === 'cpu' ? 'gauge' : undefined;
      },
    };
    run([gauge('cpu'), gauge('cpu'), gauge('mem'), gauge('mem')], { ...context(), knownTypes });
    expect(asked).toEqual(['cpu', 'mem']);
  });

  it('refuses a mismatch between records of an admitted stream, and admits the next fitting one', () => {
    // Counters may join a summary; a gauge may not, even right after counters were admitted.
    const records = [
      { __name__: 'rpc', __type__: 'summary' },
      counter('rpc'),
      counter('rpc', 2),
      gauge('rpc', 3),
      counter('rpc', 4),
      gauge('cpu'),
      gauge('cpu', 2),
      counter('cpu', 3),
      gauge('cpu', 4),
    ];
    const mismatch = (stream: string, registered: string, got: string) =>
      `metric type mismatch: stream ${stream} is registered as ${registered}, got ${got}`;
    const expected = [
      { name: 'rpc', successful: 4, failed: 1, error: mismatch('rpc', 'summary', 'gauge') },
      { name: 'cpu', successful: 3, failed: 1, error: mismatch('cpu', 'gauge', 'counter') },
    ];
    expect(run(records).streams).toEqual(expected);
    // The receiver's byte scan admits through the same PayloadTypes.
    const statusOnly = { ...context(), statusOnly: true };
    expect(run(records, statusOnly).streams).toEqual(expected);
    expect(run(records, statusOnly).rejected.map((r) => r.index)).toEqual([3, 7]);
  });

  it('stores guage and GAUGE as gauge', () => {
    const result = run([
      { __name__: 'a', __type__: 'guage', value: 1 },
      { __name__: 'a', __type__: 'GAUGE', value: 2 },
      { __name__: 'a', __type__: 'Gauge', value: 3 },
    ]);
    expect(result.samples.map((s) => s.type)).toEqual(['gauge', 'gauge', 'gauge']);
    expect(result.registrations).toEqual([{ stream: 'a', type: 'gauge' }]);
    expect(result.streams).toEqual([{ name: 'a', successful: 3, failed: 0 }]);
  });
});

describe('type rows', () => {
  it('registers a histogram without storing a sample and counts as successful', () => {
    const result = run([{ __name__: 'rt', __type__: 'Histogram', endpoint: '/x' }]);
    expect(result.samples).toEqual([]);
    expect(result.registrations).toEqual([{ stream: 'rt', type: 'histogram' }]);
    expect(result.streams).toEqual([{ name: 'rt', successful: 1, failed: 0 }]);
  });

  it('registers a summary', () => {
    const result = run([{ __name__: 'rq', __type__: 'summary' }]);
    expect(result.registrations).toEqual([{ stream: 'rq', type: 'summary' }]);
    expect(result.samples).toEqual([]);
  });

  it('repeats harmlessly once the type is registered', () => {
    const row = { __name__: 'rt', __type__: 'histogram' };
    const result = run([row, row], context({ known: { rt: 'histogram' } }));
    expect(result.registrations).toEqual([]);
    expect(result.streams).toEqual([{ name: 'rt', successful: 2, failed: 0 }]);
  });

  it('fails when the stream is registered with another type', () => {
    const result = run([{ __name__: 'rt', __type__: 'histogram' }], context({ known: { rt: 'counter' } }));
    expect(result.streams).toEqual([
      {
        name: 'rt',
        successful: 0,
        failed: 1,
        error: 'metric type mismatch: stream rt is registered as counter, got histogram',
      },
    ]);
  });

  it('is not a type row for counter or gauge: they need a value', () => {
    const result = run([{ __name__: 'c', __type__: 'counter' }]);
    expect(result.streams[0]?.error).toBe('value is required and must be a number');
    expect(result.registrations).toEqual([]);
  });

  it('still checks the timestamp of a type row', () => {
    const result = run([{ __name__: 'rt', __type__: 'histogram', _timestamp: 'now' }]);
    expect(result.streams[0]?.error).toBe('_timestamp must be a number, got "now"');
    expect(result.registrations).toEqual([]);
  });

  it('stores a histogram or summary record that has a value as a sample of that type', () => {
    const result = run([
      { __name__: 'h', __type__: 'histogram', value: 4 },
      { __name__: 's', __type__: 'summary', value: 5 },
    ]);
    expect(result.samples).toEqual([
      sample('h', 'histogram', [], RECEIVED_AT_US, 4),
      sample('s', 'summary', [], RECEIVED_AT_US, 5),
    ]);
  });

  it('accepts counter rows under a summary name, stored as counters, but no other type', () => {
    const result = run(
      [counter('rq'), { __name__: 'rq', __type__: 'summary', value: 2 }, gauge('rq')],
      context({ known: { rq: 'summary' } }),
    );
    expect(result.samples.map((s) => s.type)).toEqual(['counter', 'summary']);
    expect(result.streams[0]?.error).toBe(
      'metric type mismatch: stream rq is registered as summary, got gauge',
    );
  });

  it('does not accept a summary type row after counters registered the stream', () => {
    const result = run([counter('rq'), { __name__: 'rq', __type__: 'summary' }]);
    expect(result.registrations).toEqual([{ stream: 'rq', type: 'counter' }]);
    expect(result.streams[0]?.error).toBe(
      'metric type mismatch: stream rq is registered as counter, got summary',
    );
  });

  it('does not accept counter rows under a histogram name (buckets have their own _bucket stream)', () => {
    const result = run([{ __name__: 'rt', __type__: 'histogram' }, counter('rt')]);
    expect(result.streams[0]?.error).toBe(
      'metric type mismatch: stream rt is registered as histogram, got counter',
    );
  });
});
