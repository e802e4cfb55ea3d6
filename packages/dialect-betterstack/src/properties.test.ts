import { encode } from '@msgpack/msgpack';
import { sortTags, type Tag } from '@pipeline/sample-model';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { BodyFormat } from './content-type.js';
import { processBetterStackPayload } from './process-payload.js';

const RECEIVED_US = 1_700_000_000_000_000;
const ctx = {
  receivedAtUs: RECEIVED_US,
  window: { maxAgeUs: 15 * 60 * 1_000_000, maxFutureUs: 3600 * 1_000_000 },
};
const FORMATS: BodyFormat[] = ['json', 'ndjson', 'msgpack'];
const DANGEROUS_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'polluted',
];

/** Runs the payload and checks the result is well-formed, whatever went in. */
function processChecked(body: Buffer, format: BodyFormat) {
  const result = processBetterStackPayload(body, format, ctx);
  if (!result.ok) {
    expect(typeof result.error).toBe('string');
    expect(result.error.length).toBeGreaterThan(0);
    return result;
  }
  expect(result.accepted + result.rejected.length).toBe(result.records);
  for (const r of result.rejected) expect(r.reason).toMatch(/^[a-z]/);
  for (const s of result.samples) {
    expect(Number.isFinite(s.value)).toBe(true);
    expect(Number.isSafeInteger(s.timestampUs)).toBe(true);
    for (let i = 1; i < s.tags.length; i++) expect(s.tags[i - 1]![0] < s.tags[i]![0]).toBe(true);
  }
  return result;
}

/** JSON object text with the keys as own properties, even `__proto__`, which an object literal cannot hold. */
function objectText(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

const tagKey = fc.oneof(fc.constantFrom(...DANGEROUS_KEYS), fc.string());
const tagValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

function expectPrototypeUntouched(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.keys(Object.prototype)).toHaveLength(0);
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
}

describe('properties: processBetterStackPayload never throws and never pollutes', () => {
  const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();
  afterAll(() => {
    expectPrototypeUntouched();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
  });

  it.each(FORMATS)('arbitrary bytes as %s', (format) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        processChecked(Buffer.from(bytes), format);
      }),
      { numRuns: 1000 },
    );
  });

  it.each(FORMATS)('bytes that start like a record, then go wrong, as %s', (format) => {
    const prefix =
      format === 'msgpack'
        ? Buffer.from(encode([{ name: 'm', gauge: { value: 1 } }]))
        : Buffer.from('[{"name":"m","gauge":{"value":1}}');
    fc.assert(
      fc.property(fc.nat(prefix.length), fc.uint8Array({ maxLength: 40 }), (cut, tail) => {
        processChecked(Buffer.concat([prefix.subarray(0, cut), tail]), format);
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary JSON values as JSON, NDJSON and MessagePack', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const json = JSON.stringify(value);
        processChecked(Buffer.from(json), 'json');
        processChecked(
          Buffer.from(Array.isArray(value) ? value.map((v) => JSON.stringify(v)).join('\n') : json),
          'ndjson',
        );
        processChecked(Buffer.from(encode(value)), 'msgpack');
      }),
      { numRuns: 1000 },
    );
  });

  it('arbitrary values (bigint, binary, undefined, null prototypes…) as MessagePack', () => {
    const anything = fc.anything({
      withBigInt: true,
      withTypedArray: true,
      withNullPrototype: true,
      withDate: true,
    });
    fc.assert(
      fc.property(fc.oneof(anything, fc.array(anything)), (value) => {
        let bytes: Uint8Array;
        try {
          bytes = encode(value, { useBigInt64: true });
        } catch {
          return; // not encodable, e.g. a bigint beyond 64 bits
        }
        processChecked(Buffer.from(bytes), 'msgpack');
      }),
      { numRuns: 1000 },
    );
  });

  it('records built from arbitrary pieces of the right and wrong shapes', () => {
    const number = fc.oneof(fc.double(), fc.integer(), fc.string(), fc.constant(null));
    const record = fc.record(
      {
        name: fc.oneof(fc.string(), fc.integer()),
        gauge: fc.record({ value: number }),
        counter: fc.record({ value: number }),
        histogram: fc.record({
          count: number,
          sum: number,
          buckets: fc.array(
            fc.record({
              upper_limit: fc.oneof(number, fc.constantFrom('inf', '+Inf', 'INF')),
              count: number,
            }),
          ),
        }),
        summary: fc.record({
          count: number,
          sum: number,
          quantiles: fc.array(fc.record({ quantile: number, value: number })),
        }),
        tags: fc.oneof(fc.dictionary(tagKey, fc.oneof(tagValue, fc.jsonValue())), fc.jsonValue()),
        dt: fc.oneof(
          fc.jsonValue(),
          fc.integer(),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 5 }), (records) => {
        const json = processChecked(Buffer.from(JSON.stringify(records)), 'json');
        const msgpack = processChecked(Buffer.from(encode(records)), 'msgpack');
        if (!msgpack.ok) {
          // The MessagePack library refuses a __proto__ map key outright (see msgpack-codec.ts).
          expect(msgpack.error).toBe('invalid MessagePack: The key __proto__ is not allowed');
          return;
        }
        // MessagePack has NaN/Infinity where JSON wrote null; both are invalid values, so the outcomes agree.
        expect(json.ok && json.records).toBe(msgpack.records);
        expect(json.ok && json.rejected.map((r) => r.reason)).toEqual(msgpack.rejected.map((r) => r.reason));
      }),
      { numRuns: 500 },
    );
  });

  it('tags with any keys, including __proto__ and constructor, come out as the sorted own pairs', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(tagKey, fc.string()), { selector: ([k]) => k, maxLength: 8 }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        (entries, value) => {
          const body = `{"name":"m","gauge":{"value":${JSON.stringify(value)}},"tags":${objectText(
            entries.map(([k, v]) => [k, JSON.stringify(v)] as const),
          )}}`;
          const result = processChecked(Buffer.from(body), 'json');
          const expected: Tag[] = sortTags(entries);
          expect(result.ok && result.samples).toEqual([
            {
              name: 'm',
              type: 'gauge',
              tags: expected,
              timestampUs: RECEIVED_US,
              value: value + 0,
              dtRaw: '',
            },
          ]);
          expectPrototypeUntouched();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a __proto__ key at any level of JSON is data; in MessagePack it refuses the body', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom('record', 'tags', 'gauge'), (payload, where) => {
        const inner = JSON.stringify(payload);
        const proto = `"__proto__":${inner}`;
        const body =
          where === 'record'
            ? `{${proto},"name":"m","gauge":{"value":1}}`
            : where === 'tags'
              ? `{"name":"m","gauge":{"value":1},"tags":{${proto}}}`
              : `{"name":"m","gauge":{${proto},"value":1}}`;
        const result = processChecked(Buffer.from(body), 'json');
        expect(result.ok && result.records).toBe(1);
        expectPrototypeUntouched();
      }),
      { numRuns: 300 },
    );
  });

  it('valid gauges with arbitrary names, values and dt give one sample each, identical across formats', () => {
    const dtArb = fc.oneof(
      fc.constant(undefined),
      fc.integer({ min: RECEIVED_US - 60_000_000, max: RECEIVED_US + 60_000_000 }),
      fc.integer({ min: (RECEIVED_US - 60_000_000) / 1000, max: (RECEIVED_US + 60_000_000) / 1000 }),
      fc.string().map((text) => `not a time: ${text}`),
    );
    const gauge = fc.record({
      name: fc.string({ minLength: 1 }),
      gauge: fc.record({
        value: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((v) => !Object.is(v, -0)),
      }),
      tags: fc.dictionary(
        fc.string().filter((k) => k !== '__proto__'),
        fc.string(),
      ),
      dt: dtArb,
    });
    fc.assert(
      fc.property(fc.array(gauge, { minLength: 1, maxLength: 5 }), (records) => {
        const json = processChecked(Buffer.from(JSON.stringify(records)), 'json');
        const ndjson = processChecked(
          Buffer.from(records.map((r) => JSON.stringify(r)).join('\n')),
          'ndjson',
        );
        const msgpack = processChecked(Buffer.from(encode(records, { ignoreUndefined: true })), 'msgpack');
        expect(json).toMatchObject({ ok: true, accepted: records.length });
        expect(json.ok && json.samples.map((s) => s.name)).toEqual(records.map((r) => r.name));
        expect(ndjson).toEqual(json);
        expect(msgpack).toEqual(json);
      }),
      { numRuns: 300 },
    );
  });
});

describe('properties: statusOnly reaches the same verdicts without building samples', () => {
  it('gives the same counts and reasons as the full path, for any JSON records', () => {
    const record = fc.record(
      {
        name: fc.oneof(fc.string(), fc.constant(''), fc.integer()),
        gauge: fc.oneof(fc.record({ value: fc.oneof(fc.double(), fc.string()) }), fc.constant(null)),
        counter: fc.record({ value: fc.integer() }),
        tags: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.object())),
        dt: fc.oneof(fc.integer({ min: 0, max: 2e15 }), fc.string(), fc.constant(RECEIVED_US)),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 20 }), (records) => {
        const body = Buffer.from(JSON.stringify(records));
        const full = processBetterStackPayload(body, 'json', ctx);
        const quick = processBetterStackPayload(body, 'json', { ...ctx, statusOnly: true });
        expect(quick.ok).toBe(full.ok);
        if (full.ok && quick.ok) {
          expect(quick.accepted).toBe(full.accepted);
          expect(quick.rejected).toEqual(full.rejected);
          expect(quick.samples).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
