import { describe, expect, it } from 'vitest';
import { context, RECEIVED_AT_US, run, sample } from './test-support.js';

const head = { __name__: 'm', __type__: 'gauge', value: 1 };
const tagsOf = (record: Record<string, unknown>) => {
  const result = run([{ ...head, ...record }]);
  expect(result.rejected).toEqual([]);
  return result.samples[0]?.tags;
};

describe('labels', () => {
  it('uses every key but __name__, __type__, value, _timestamp and @timestamp', () => {
    const result = run([{ ...head, _timestamp: 1690129406888, '@timestamp': 5, host: 'h' }]);
    expect(result.samples).toEqual([sample('m', 'gauge', [['host', 'h']], 1690129406888000, 1)]);
  });

  it('formats keys and keeps string values as they are', () => {
    expect(tagsOf({ 'K8s.Pod-Name': ' Mixed Case / value ' })).toEqual([
      ['k8s_pod_name', ' Mixed Case / value '],
    ]);
  });

  it('turns numbers and booleans into their text', () => {
    expect(tagsOf({ a: 200, b: 6.0, c: 0.5, d: -1, e: 1e21, f: true, g: false })).toEqual([
      ['a', '200'],
      ['b', '6'],
      ['c', '0.5'],
      ['d', '-1'],
      ['e', '1e+21'],
      ['f', 'true'],
      ['g', 'false'],
    ]);
  });

  it('drops null values, at the top and nested', () => {
    expect(tagsOf({ a: null, b: { c: null, d: 'x' } })).toEqual([['b_d', 'x']]);
  });

  it('flattens nested objects as parent_child, formatting each part, recursively', () => {
    expect(
      tagsOf({ K8s: { 'Pod.Name': 'p', labels: { 'app.kubernetes.io/name': 'web', tier: 1 } } }),
    ).toEqual([
      ['k8s_labels_app_kubernetes_io_name', 'web'],
      ['k8s_labels_tier', '1'],
      ['k8s_pod_name', 'p'],
    ]);
  });

  it('adds nothing for an empty nested object', () => {
    expect(tagsOf({ a: {}, b: 'x' })).toEqual([['b', 'x']]);
  });

  it('keeps arrays as JSON text, objects inside them included', () => {
    expect(tagsOf({ list: [1, 'a', { B: null }, [true]], empty: [] })).toEqual([
      ['empty', '[]'],
      ['list', '[1,"a",{"B":null},[true]]'],
    ]);
  });

  it('treats reserved names inside nested objects as ordinary labels', () => {
    expect(tagsOf({ meta: { value: 2, __name__: 'n', _timestamp: 3 } })).toEqual([
      ['meta___name__', 'n'],
      ['meta__timestamp', '3'],
      ['meta_value', '2'],
    ]);
  });

  it('reserves only the exact lowercase names: "Value" is a label named value', () => {
    expect(tagsOf({ Value: 'v' })).toEqual([['value', 'v']]);
  });

  it('keeps the last of keys that format alike, in document order', () => {
    expect(tagsOf({ host: 'first', Host: 'second' })).toEqual([['host', 'second']]);
    expect(tagsOf({ a_b: '1', a: { b: '2' } })).toEqual([['a_b', '2']]);
    expect(tagsOf({ a: { b: '2' }, a_b: '1' })).toEqual([['a_b', '1']]);
  });

  it('takes __proto__, constructor and toString as plain label keys', () => {
    const result = run(
      '[{"__name__":"m","__type__":"gauge","value":1,"__proto__":{"polluted":"yes"},"constructor":"c","toString":"t"}]',
    );
    expect(result.samples[0]?.tags).toEqual([
      ['__proto___polluted', 'yes'],
      ['constructor', 'c'],
      ['tostring', 't'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('accepts a flattened key of exactly 1024 characters', () => {
    const key = 'k'.repeat(1022);
    expect(tagsOf({ a: { [key]: 'x' } })).toEqual([[`a_${key}`, 'x']]);
  });
});

describe('field limit', () => {
  const ctx = context({ maxFields: 5 });

  it('accepts a record with exactly the limit, counting __name__, __type__, value and the timestamp', () => {
    const result = run([{ ...head, _timestamp: 0, a: 'x' }], ctx);
    expect(result.samples).toEqual([sample('m', 'gauge', [['a', 'x']], RECEIVED_AT_US, 1)]);
  });

  it('counts fields after flattening', () => {
    const result = run([{ ...head, a: { b: 1, c: { d: 2, e: 3 } } }], ctx);
    expect(result.streams[0]?.error).toBe('record has 6 fields, more than the limit of 5');
  });

  it('counts an array as one field', () => {
    expect(run([{ ...head, a: [1, 2, 3, 4, 5, 6], b: 1 }], ctx).rejected).toEqual([]);
  });

  it('counts null fields: they were sent', () => {
    const result = run([{ ...head, a: null, b: null, c: null }], ctx);
    expect(result.streams[0]?.error).toBe('record has 6 fields, more than the limit of 5');
  });

  it('counts both timestamps when both are sent', () => {
    const result = run([{ ...head, _timestamp: 0, '@timestamp': 0, a: 1 }], ctx);
    expect(result.streams[0]?.error).toBe('record has 6 fields, more than the limit of 5');
  });

  it('applies to type rows too', () => {
    const result = run([{ __name__: 'h', __type__: 'histogram', a: 1, b: 2, c: 3, d: 4 }], ctx);
    expect(result.streams[0]?.error).toBe('record has 6 fields, more than the limit of 5');
    expect(result.registrations).toEqual([]);
  });

  it('defaults to the seed 200 in these tests: 200 pass, 201 fail', () => {
    const labels = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, 'v']));
    expect(run([{ ...head, ...labels(197) }]).rejected).toEqual([]);
    expect(run([{ ...head, ...labels(198) }]).streams[0]?.error).toBe(
      'record has 201 fields, more than the limit of 200',
    );
  });
});
