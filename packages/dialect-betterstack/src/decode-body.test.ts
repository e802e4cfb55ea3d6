import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { decodeBetterStackBody } from './decode-body.js';

const text = (s: string) => Buffer.from(s, 'utf8');

describe('decodeBetterStackBody: json', () => {
  it('one object is one record', () => {
    expect(decodeBetterStackBody(text('{"name":"a"}'), 'json')).toEqual({
      ok: true,
      records: [{ name: 'a' }],
    });
  });

  it('an array is its elements, which are judged later one by one', () => {
    expect(decodeBetterStackBody(text('[{"name":"a"},5,[]]'), 'json')).toEqual({
      ok: true,
      records: [{ name: 'a' }, 5, []],
    });
  });

  it.each(['', '   ', '\r\n'])('an empty body %j has no records', (body) => {
    expect(decodeBetterStackBody(text(body), 'json')).toEqual({ ok: true, records: [] });
  });

  it('skips a UTF-8 byte order mark', () => {
    expect(decodeBetterStackBody(text('\uFEFF{"name":"a"}'), 'json')).toEqual({
      ok: true,
      records: [{ name: 'a' }],
    });
  });

  it.each([
    ['{"name":', /^invalid JSON: /],
    ['{"name":"a"}\n{"name":"b"}', /^invalid JSON: /],
    ['{name:"a"}', /^invalid JSON: /],
    ['[NaN]', /^invalid JSON: /],
  ])('%j is invalid JSON with the parser reason', (body, message) => {
    const result = decodeBetterStackBody(text(body), 'json');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(message);
  });

  it.each([
    ['5', 'number'],
    ['"metric"', 'string'],
    ['null', 'null'],
    ['true', 'boolean'],
  ])('a top-level %s is an error naming what was found', (body, found) => {
    expect(decodeBetterStackBody(text(body), 'json')).toEqual({
      ok: false,
      error: `expected an object or an array of objects, found ${found}`,
    });
  });

  it('keeps a __proto__ key as an own property, leaving the prototype alone', () => {
    const result = decodeBetterStackBody(text('{"__proto__":{"polluted":1},"name":"a"}'), 'json');
    const record = result.ok ? (result.records[0] as Record<string, unknown>) : undefined;
    expect(Object.keys(record ?? {})).toEqual(['__proto__', 'name']);
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('decodeBetterStackBody: ndjson', () => {
  it('one record per line; blank lines, CRLF and the trailing newline ignored', () => {
    const body = '{"name":"a"}\r\n\r\n  \t\n{"name":"b"}\n[1]\n7\n';
    expect(decodeBetterStackBody(text(body), 'ndjson')).toEqual({
      ok: true,
      records: [{ name: 'a' }, { name: 'b' }, [1], 7],
    });
  });

  it('a line with an array is one record (the normalizer rejects it), not a batch', () => {
    const result = decodeBetterStackBody(text('[{"name":"a"},{"name":"b"}]'), 'ndjson');
    expect(result).toEqual({ ok: true, records: [[{ name: 'a' }, { name: 'b' }]] });
  });

  it.each(['', '\n', '\r\n\r\n', '   '])('a body %j without lines has no records', (body) => {
    expect(decodeBetterStackBody(text(body), 'ndjson')).toEqual({ ok: true, records: [] });
  });

  it('names the physical line of the first invalid one, counting blank lines', () => {
    const result = decodeBetterStackBody(text('{"name":"a"}\n\n{"name":\n{"name":"c"}'), 'ndjson');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/^invalid JSON at line 3: /);
  });

  it('two objects on one line are invalid', () => {
    const result = decodeBetterStackBody(text('{"name":"a"} {"name":"b"}'), 'ndjson');
    expect(!result.ok && result.error).toMatch(/^invalid JSON at line 1: /);
  });

  it('a last line without newline is still read', () => {
    expect(decodeBetterStackBody(text('{"name":"a"}\n{"name":"b"}'), 'ndjson')).toEqual({
      ok: true,
      records: [{ name: 'a' }, { name: 'b' }],
    });
  });
});

describe('decodeBetterStackBody: msgpack', () => {
  it('one map is one record', () => {
    expect(decodeBetterStackBody(Buffer.from(encode({ name: 'a' })), 'msgpack')).toEqual({
      ok: true,
      records: [{ name: 'a' }],
    });
  });

  it('an array is its elements', () => {
    expect(decodeBetterStackBody(Buffer.from(encode([{ name: 'a' }, 1])), 'msgpack')).toEqual({
      ok: true,
      records: [{ name: 'a' }, 1],
    });
  });

  it('an empty body has no records', () => {
    expect(decodeBetterStackBody(Buffer.alloc(0), 'msgpack')).toEqual({ ok: true, records: [] });
  });

  it('reads a Buffer that is a slice of a larger pool', () => {
    const pool = Buffer.concat([
      Buffer.from([0xc1, 0xc1]),
      Buffer.from(encode({ name: 'a' })),
      Buffer.from([0xc1]),
    ]);
    const slice = pool.subarray(2, pool.length - 1);
    expect(decodeBetterStackBody(slice, 'msgpack')).toEqual({ ok: true, records: [{ name: 'a' }] });
  });

  it.each<[string, unknown, string]>([
    ['number', 5, 'number'],
    ['string', 'x', 'string'],
    ['nil', null, 'null'],
    ['binary', Uint8Array.of(1, 2), 'binary'],
    ['uint64', 2n ** 63n, 'bigint'],
  ])('a top-level %s is an error naming what was found', (_label, value, found) => {
    expect(decodeBetterStackBody(Buffer.from(encode(value, { useBigInt64: true })), 'msgpack')).toEqual({
      ok: false,
      error: `expected an object or an array of objects, found ${found}`,
    });
  });

  it('a JSON body sent as msgpack is invalid MessagePack', () => {
    const result = decodeBetterStackBody(text('{"name":"a"}'), 'msgpack');
    expect(!result.ok && result.error).toMatch(/^invalid MessagePack: /);
  });
});
