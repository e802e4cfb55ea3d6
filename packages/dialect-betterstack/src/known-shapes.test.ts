import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expectSameSamples,
  expectSameVerdictsWithShapes,
  testShapes,
  testVerdictShapes,
} from './emit-test-support.js';
import { processBetterStackPayload } from './process-payload.js';

const RECEIVED_US = 1_700_000_000_000_000;
const ctx = {
  receivedAtUs: RECEIVED_US,
  window: { maxAgeUs: 15 * 60 * 1_000_000, maxFutureUs: 3600 * 1_000_000 },
};

/**
 * Records that share their bytes but for what lies where values and dt lie (V and D): the same
 * template filled twice means the second body meets shapes made from the first, with other tokens
 * in their holes, valid or not, well-formed or not.
 */
const TEMPLATES = [
  '{"name":"g","gauge":{"value":V},"dt":D,"tags":{"h":"a"}}',
  '{"name":"c","counter":{"value":V},"tags":{"h":"b","n":1}}',
  '{"dt":D,"name":"h","histogram":{"buckets":[{"upper_limit":1,"count":V},{"upper_limit":"inf","count":V}],"sum":V,"count":V}}',
  '{"name":"s","summary":{"quantiles":[{"quantile":0.5,"value":V}],"sum":V,"count":V},"dt":D}',
  '{"name": "w", "gauge": { "value" : V }, "dt" : D }',
];
const VALUES = [
  '1',
  '-0',
  '2.5e3',
  '0.000001',
  '123456789012345678901234567890',
  ' 7 ',
  '1e400',
  '-1e400',
  '"7"',
  'null',
  'true',
  '[1]',
  '{}',
  '1.',
  '-',
  '01',
  '1e',
];
const DTS = [
  '"2023-11-14T22:13:20Z"',
  '"2023-11-14T22:10:00.5+00:00"',
  '1700000000',
  '1700000000000',
  '1699999999999999',
  'null',
  '"2020-01-01T00:00:00Z"',
  '"2099-01-01T00:00:00Z"',
  '"garbage"',
  '"17000\\u00300000"',
  '""',
  '{"a":1}',
  '1e400',
  '"unterminated',
];

const fill = (template: string, values: readonly string[], dts: readonly string[]) => {
  let v = 0;
  let d = 0;
  return template.replace(/[VD]/g, (hole) =>
    hole === 'V' ? values[v++ % values.length]! : dts[d++ % dts.length]!,
  );
};

const filling = fc.record({
  values: fc.array(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 5 }),
  dts: fc.array(fc.constantFrom(...DTS), { minLength: 1, maxLength: 2 }),
});

describe('records of known shapes read from their holes give the verdicts and samples of a scan', () => {
  it('for JSON and NDJSON, whatever tokens the holes hold', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(TEMPLATES.length - 1), { minLength: 1, maxLength: 6 }),
        fc.array(filling, { minLength: 2, maxLength: 3 }),
        fc.boolean(),
        (records, fillings, ndjson) => {
          const format = ndjson ? 'ndjson' : 'json';
          for (const { values, dts } of fillings) {
            const texts = records.map((t) => fill(TEMPLATES[t]!, values, dts));
            const body = Buffer.from(ndjson ? texts.join('\n') : `[${texts.join(',')}]`);
            expectSameVerdictsWithShapes(body, format, ctx);
            expectSameSamples(body, format, ctx);
          }
        },
      ),
      { numRuns: 300 },
    );
    // The shapes were met: both kinds hold some.
    expect(testVerdictShapes.size).toBeGreaterThan(0);
    expect(testShapes.size).toBeGreaterThan(0);
  });

  it('for MessagePack, whatever values the holes hold, in any encoding', () => {
    const value = fc.oneof(
      fc.integer(),
      fc.integer({ min: -(2 ** 31), max: 2 ** 32 }),
      fc.double(),
      fc.float().map((f) => Math.fround(f)),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 0.5, 'x', null, true),
    );
    const dt = fc.oneof(
      fc.constantFrom('2023-11-14T22:13:20Z', '2020-01-01T00:00:00Z', 'garbage', '', null, 1_700_000_000),
      fc.integer({ min: 1_699_999_000, max: 1_700_001_000 }),
      fc.bigInt({ min: 1_699_999_000_000_000_000n, max: 1_700_000_100_000_000_000n }),
    );
    const record = (kind: number, v: () => unknown, d: unknown) => {
      if (kind === 0) return { name: 'g', gauge: { value: v() }, dt: d, tags: { h: 'a' } };
      if (kind === 1) return { name: 'c', counter: { value: v() } };
      return {
        name: 'h',
        histogram: { buckets: [{ upper_limit: 1, count: v() }], sum: v(), count: v() },
        dt: d,
      };
    };
    fc.assert(
      fc.property(
        fc.array(fc.nat(2), { minLength: 1, maxLength: 5 }),
        fc.array(fc.record({ values: fc.array(value, { minLength: 1, maxLength: 4 }), dt }), {
          minLength: 2,
          maxLength: 3,
        }),
        (kinds, fillings) => {
          for (const { values, dt: d } of fillings) {
            let i = 0;
            const v = () => values[i++ % values.length];
            const body = Buffer.from(
              encode(
                kinds.map((k) => record(k, v, d)),
                { useBigInt64: true },
              ),
            );
            expectSameVerdictsWithShapes(body, 'msgpack', ctx);
            expectSameSamples(body, 'msgpack', ctx);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts every record of a body of known shapes, and rejects a bad value in one for the scan’s reason', () => {
    const body = (value: number) =>
      Buffer.from(`[${TEMPLATES.map((t) => fill(t, [String(value)], ['1700000000'])).join(',')}]`);
    const statusCtx = { ...ctx, statusOnly: true };
    processBetterStackPayload(body(1), 'json', statusCtx, testVerdictShapes);
    expect(processBetterStackPayload(body(2), 'json', statusCtx, testVerdictShapes)).toEqual({
      ok: true,
      samples: [],
      accepted: TEMPLATES.length,
      rejected: [],
      records: TEMPLATES.length,
    });
    // A value that overflows in a known shape is rejected, with the full path's reason.
    const overflowing = Buffer.from(`[${fill(TEMPLATES[0]!, ['1e400'], ['1700000000'])}]`);
    const overflow = processBetterStackPayload(overflowing, 'json', statusCtx, testVerdictShapes);
    expect(overflow).toMatchObject({ ok: true, accepted: 0, rejected: [{ index: 0 }] });
    expect(overflow).toEqual(processBetterStackPayload(overflowing, 'json', ctx));
  });
});
