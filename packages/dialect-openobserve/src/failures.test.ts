import { describe, expect, it } from 'vitest';
import { context, run } from './test-support.js';

const ok = { __name__: 'cpu', __type__: 'gauge', value: 1 };

// One row per failure reason: [case, record as JSON text, stream in the status, reason].
const rows: [string, string, string, string][] = [
  ['record is a number', '5', '_unknown', 'record must be a JSON object, got number'],
  ['record is a string', '"cpu"', '_unknown', 'record must be a JSON object, got string'],
  ['record is null', 'null', '_unknown', 'record must be a JSON object, got null'],
  ['record is a boolean', 'true', '_unknown', 'record must be a JSON object, got boolean'],
  ['record is an array', '[{"__name__":"cpu"}]', '_unknown', 'record must be a JSON object, got array'],
  ['__name__ missing', '{"__type__":"gauge","value":1}', '_unknown', '__name__ is required'],
  [
    '__name__ a number',
    '{"__name__":5,"__type__":"gauge","value":1}',
    '_unknown',
    '__name__ must be a non-empty string, got 5',
  ],
  [
    '__name__ empty',
    '{"__name__":"","__type__":"gauge","value":1}',
    '_unknown',
    '__name__ must be a non-empty string, got ""',
  ],
  [
    '__name__ null',
    '{"__name__":null,"__type__":"gauge","value":1}',
    '_unknown',
    '__name__ must be a non-empty string, got null',
  ],
  [
    '__name__ an object',
    '{"__name__":{"a":1},"__type__":"gauge","value":1}',
    '_unknown',
    '__name__ must be a non-empty string, got an object',
  ],
  [
    '__type__ missing',
    '{"__name__":"cpu","value":1}',
    'cpu',
    '__type__ is required: expected counter, gauge, histogram or summary',
  ],
  [
    '__type__ unknown word',
    '{"__name__":"cpu","__type__":"gauges","value":1}',
    'cpu',
    'unknown __type__ "gauges": expected counter, gauge, histogram or summary',
  ],
  [
    '__type__ a number',
    '{"__name__":"cpu","__type__":1,"value":1}',
    'cpu',
    'unknown __type__ 1: expected counter, gauge, histogram or summary',
  ],
  [
    '__type__ null',
    '{"__name__":"cpu","__type__":null,"value":1}',
    'cpu',
    'unknown __type__ null: expected counter, gauge, histogram or summary',
  ],
  [
    '__type__ with spaces',
    '{"__name__":"cpu","__type__":" gauge","value":1}',
    'cpu',
    'unknown __type__ " gauge": expected counter, gauge, histogram or summary',
  ],
  [
    'label key too long after flattening',
    `{"__name__":"cpu","__type__":"gauge","value":1,"a":{"${'b'.repeat(1024)}":"x"}}`,
    'cpu',
    'label "a" has a key longer than 1024 characters after flattening',
  ],
  [
    '_timestamp a string',
    '{"__name__":"cpu","__type__":"gauge","value":1,"_timestamp":"1690129406888"}',
    'cpu',
    '_timestamp must be a number, got "1690129406888"',
  ],
  [
    '_timestamp a boolean',
    '{"__name__":"cpu","__type__":"gauge","value":1,"_timestamp":true}',
    'cpu',
    '_timestamp must be a number, got true',
  ],
  [
    '@timestamp an ISO string',
    '{"__name__":"cpu","__type__":"gauge","value":1,"@timestamp":"2023-07-23T16:23:26Z"}',
    'cpu',
    '@timestamp must be a number, got "2023-07-23T16:23:26Z"',
  ],
  [
    '_timestamp negative',
    '{"__name__":"cpu","__type__":"gauge","value":1,"_timestamp":-1690129406888}',
    'cpu',
    '_timestamp must not be negative, got -1690129406888',
  ],
  [
    '_timestamp beyond 2^53 µs',
    '{"__name__":"cpu","__type__":"gauge","value":1,"_timestamp":1e300}',
    'cpu',
    '_timestamp is out of range, got 1e+300',
  ],
  [
    '_timestamp overflowing float64',
    '{"__name__":"cpu","__type__":"gauge","value":1,"_timestamp":1e400}',
    'cpu',
    '_timestamp is out of range, got Infinity',
  ],
  ['value missing', '{"__name__":"cpu","__type__":"gauge"}', 'cpu', 'value is required and must be a number'],
  [
    'value a numeric string',
    '{"__name__":"cpu","__type__":"gauge","value":"1.5"}',
    'cpu',
    'value is required and must be a number',
  ],
  [
    'value null',
    '{"__name__":"cpu","__type__":"counter","value":null}',
    'cpu',
    'value is required and must be a number',
  ],
  [
    'value on a histogram is null (not a type row: the key is there)',
    '{"__name__":"h","__type__":"histogram","value":null}',
    'h',
    'value is required and must be a number',
  ],
  [
    'value overflowing float64',
    '{"__name__":"cpu","__type__":"gauge","value":1e400}',
    'cpu',
    'value is out of the float64 range',
  ],
  [
    'type differs from the registered one',
    '{"__name__":"mem","__type__":"counter","value":1}',
    'mem',
    'metric type mismatch: stream mem is registered as gauge, got counter',
  ],
];

describe('failure reasons', () => {
  it.each(rows)('%s', (_case, recordText, stream, reason) => {
    const result = run(`[${recordText}]`, context({ known: { mem: 'gauge' } }));
    expect(result.streams).toEqual([{ name: stream, successful: 0, failed: 1, error: reason }]);
    expect(result.rejected).toEqual([{ index: 0, reason, record: JSON.parse(recordText) }]);
    expect(result.samples).toEqual([]);
    expect(result.registrations).toEqual([]);
    expect(result.records).toBe(1);
  });

  it('fails a record over the field limit, naming the count and the limit', () => {
    const record = { ...ok, a: 1, b: 2 };
    const result = run([record], context({ maxFields: 4 }));
    expect(result.streams).toEqual([
      { name: 'cpu', successful: 0, failed: 1, error: 'record has 5 fields, more than the limit of 4' },
    ]);
  });

  // Separate from the table: comparing the decoded record would overflow the stack in toEqual.
  it('fails a label holding an array too deeply nested for JSON.stringify', () => {
    const deepArray = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const result = run(`[{"__name__":"cpu","__type__":"gauge","value":1,"a":${deepArray}}]`);
    const reason = 'label "a" is an array nested too deeply to encode';
    expect(result.streams).toEqual([{ name: 'cpu', successful: 0, failed: 1, error: reason }]);
    expect(result.rejected.map((r) => [r.index, r.reason])).toEqual([[0, reason]]);
    expect(result.samples).toEqual([]);
  });

  it('reports the first of several faults in a fixed order: name, type, labels, fields, time, value', () => {
    const result = run(
      [
        { __type__: 'nope', value: 'x', a: { ['b'.repeat(2000)]: 1 } },
        { __name__: 'cpu', __type__: 'nope', value: 'x', _timestamp: 'x', a: { ['b'.repeat(2000)]: 1 } },
        {
          __name__: 'cpu',
          __type__: 'gauge',
          value: 'x',
          _timestamp: 'x',
          a: { ['b'.repeat(2000)]: 1 },
          c: 1,
          d: 1,
        },
        { __name__: 'cpu', __type__: 'gauge', value: 'x', _timestamp: 'x', b: 1, c: 1, d: 1 },
        { __name__: 'cpu', __type__: 'gauge', value: 'x', _timestamp: 'x' },
        { __name__: 'cpu', __type__: 'counter', value: 'x' },
      ],
      context({ maxFields: 6, known: { cpu: 'gauge' } }),
    );
    expect(result.rejected.map((r) => r.reason)).toEqual([
      '__name__ is required',
      'unknown __type__ "nope": expected counter, gauge, histogram or summary',
      'label "a" has a key longer than 1024 characters after flattening',
      'record has 7 fields, more than the limit of 6',
      '_timestamp must be a number, got "x"',
      'value is required and must be a number',
    ]);
  });
});

describe('per-stream status', () => {
  it('counts per stream in order of first appearance and keeps the first reason only', () => {
    const result = run([
      { __name__: 'b', __type__: 'gauge', value: 1 },
      { __name__: 'a', __type__: 'gauge' },
      { __name__: 'b', __type__: 'gauge', value: 'x' },
      { __name__: 'a', __type__: 'gauge', value: 2 },
      { __name__: 'b', __type__: 'gauge', _timestamp: 'x', value: 1 },
      5,
      { __name__: 'A', __type__: 'gauge', value: 3 },
    ]);
    expect(result.streams).toEqual([
      { name: 'b', successful: 1, failed: 2, error: 'value is required and must be a number' },
      { name: 'a', successful: 2, failed: 1, error: 'value is required and must be a number' },
      { name: '_unknown', successful: 0, failed: 1, error: 'record must be a JSON object, got number' },
    ]);
    expect(result.rejected.map((r) => r.index)).toEqual([1, 2, 4, 5]);
    expect(result.samples.map((s) => s.value)).toEqual([1, 2, 3]);
  });

  it('omits the error key of a stream without failures', () => {
    const [status] = run([ok]).streams;
    expect(status).toEqual({ name: 'cpu', successful: 1, failed: 0 });
    expect(Object.keys(status ?? {})).toEqual(['name', 'successful', 'failed']);
  });

  it('keeps the record as decoded in the rejection, NDJSON indexes counting records only', () => {
    const result = run(
      '{"__name__":"cpu","__type__":"gauge","value":1}\n\n  \n{"__name__":"cpu","value":2}\n',
    );
    expect(result.rejected).toEqual([
      {
        index: 1,
        reason: '__type__ is required: expected counter, gauge, histogram or summary',
        record: { __name__: 'cpu', value: 2 },
      },
    ]);
  });
});
