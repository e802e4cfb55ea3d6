import { ExtData, encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectSameSamples, expectSameVerdictsWithShapes, fastPathTaken } from './emit-test-support.js';
import { processBetterStackPayload } from './process-payload.js';
import { scanBetterStackMsgpack } from './scan-msgpack.js';

const RECEIVED_US = 1_700_000_000_000_000;
const windowed = {
  receivedAtUs: RECEIVED_US,
  window: { maxAgeUs: 15 * 60 * 1_000_000, maxFutureUs: 3600 * 1_000_000 },
};
const unwindowed = { receivedAtUs: RECEIVED_US, window: { maxAgeUs: 0, maxFutureUs: 0 } };

/** The full path (the MessagePack library, objects) and the byte path must reach the same verdicts. */
function expectSameVerdicts(body: Buffer, ctx: typeof windowed) {
  const full = processBetterStackPayload(body, 'msgpack', ctx);
  const quick = processBetterStackPayload(body, 'msgpack', { ...ctx, statusOnly: true });
  if (!full.ok) {
    expect(quick).toEqual(full);
  } else {
    expect(quick).toEqual({ ...full, samples: [] });
  }
  // The normalizer's fast path reads the same bytes: it must give the full path's samples.
  expectSameSamples(body, 'msgpack', ctx);
  // And so does a receiver that knows the shapes of earlier records.
  expectSameVerdictsWithShapes(body, 'msgpack', ctx);
}

const number = fc.oneof(
  fc.integer(),
  fc.integer({ min: -(2 ** 31), max: 2 ** 32 }),
  fc.double(),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0.5),
);
const odd = fc.oneof(
  fc.string(),
  fc.constantFrom(null, true, false, '', 'é', new Uint8Array([1, 2]), new ExtData(5, new Uint8Array([1]))),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
);
const value = fc.oneof({ arbitrary: number, weight: 4 }, { arbitrary: odd, weight: 1 });
const finite = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
);
/** An own `__proto__` key, which the decoder refuses. */
const withProto = (value: unknown) =>
  Object.defineProperty({ a: 1 }, '__proto__', { value, enumerable: true });
const sometimes = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 5 });
const iso = fc
  .integer({ min: RECEIVED_US / 1000 - 2 * 3_600_000, max: RECEIVED_US / 1000 + 2 * 3_600_000 })
  .map((ms) => new Date(ms));
const dt = fc.oneof(
  iso.map((d) => d.toISOString()),
  iso.map((d) => d.toISOString().replace('T', ' ').replace('Z', '+00:00')),
  iso,
  fc.integer({ min: RECEIVED_US / 1e6 - 7200, max: RECEIVED_US / 1e6 + 7200 }),
  fc.integer({ min: RECEIVED_US - 7_200_000_000, max: RECEIVED_US + 7_200_000_000 }),
  fc.bigInt({
    min: BigInt(RECEIVED_US - 7_200_000_000) * 1000n,
    max: BigInt(RECEIVED_US + 7_200_000_000) * 1000n,
  }),
  fc.double({ min: RECEIVED_US / 1e6 - 7200, max: RECEIVED_US / 1e6 + 7200 }),
  fc.constantFrom(
    null,
    'not a time',
    '2023-11-14T22:13:20Zé',
    new ExtData(-1, new Uint8Array([1, 2, 3])),
    new ExtData(3, new Uint8Array(4)),
  ),
  odd,
);
const upperLimit = fc.oneof(
  number,
  fc.constantFrom('inf', '+Inf', 'INF', '-inf', 'infx', '+in', Number.POSITIVE_INFINITY),
  odd,
);
const single = fc.oneof(fc.record({ value, extra: sometimes(odd) }, { requiredKeys: ['value'] }), odd);
const histogram = fc.oneof(
  fc
    .tuple(finite, finite, fc.array(fc.tuple(upperLimit, finite), { maxLength: 4 }))
    .map(([count, sum, buckets]) => ({
      count,
      sum,
      buckets: buckets.map(([upper_limit, c]) => ({ upper_limit, count: c })),
    })),
  fc.record(
    {
      count: value,
      sum: value,
      buckets: fc.oneof(
        fc.array(fc.oneof(fc.record({ upper_limit: upperLimit, count: value }, { requiredKeys: [] }), odd), {
          maxLength: 4,
        }),
        odd,
      ),
    },
    { requiredKeys: [] },
  ),
  odd,
);
const summary = fc.oneof(
  fc
    .tuple(finite, finite, fc.array(fc.tuple(value, value), { maxLength: 4 }))
    .map(([count, sum, quantiles]) => ({
      count,
      sum,
      quantiles: quantiles.map(([quantile, v]) => ({ quantile, value: v })),
    })),
  fc.record(
    {
      count: value,
      sum: value,
      quantiles: fc.oneof(
        fc.array(fc.oneof(fc.record({ quantile: value, value }, { requiredKeys: [] }), odd), {
          maxLength: 4,
        }),
        odd,
      ),
    },
    { requiredKeys: [] },
  ),
  odd,
);
const tags = fc.oneof(
  fc.dictionary(
    fc.string().filter((k) => k !== '__proto__'),
    fc.oneof(fc.string(), number, fc.boolean(), odd),
    { maxKeys: 4 },
  ),
  odd,
  fc.constant(withProto('x')),
);
const kind = fc.oneof(
  single.map((gauge) => ({ gauge })),
  single.map((counter) => ({ counter })),
  histogram.map((h) => ({ histogram: h })),
  summary.map((s) => ({ summary: s })),
);
/** Usually one name and one kind; sometimes two kinds, none, or not a map at all. */
const record = fc.oneof(
  {
    arbitrary: fc
      .tuple(fc.string({ minLength: 1 }), kind, sometimes(tags), sometimes(dt))
      .map(([name, k, t, d]) => ({
        name,
        ...k,
        ...(t === undefined ? {} : { tags: t }),
        ...(d === undefined ? {} : { dt: d }),
      })),
    weight: 6,
  },
  {
    arbitrary: fc
      .tuple(fc.oneof(fc.string(), fc.integer()), kind, kind)
      .map(([name, a, b]) => ({ name, ...a, ...b })),
    weight: 1,
  },
  { arbitrary: fc.record({ name: fc.string(), tags, dt, other: odd }, { requiredKeys: [] }), weight: 1 },
  { arbitrary: odd, weight: 1 },
  { arbitrary: fc.constant(withProto({ gauge: { value: 1 } })), weight: 1 },
);
const encodeBody = (value: unknown, float32: boolean) =>
  Buffer.from(encode(value, { useBigInt64: true, ignoreUndefined: true, forceFloat32: float32 }));

describe('scanBetterStackMsgpack: the receiver reads verdicts from the bytes', () => {
  it('reaches the verdicts of the full path on arrays of records and single records', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        fc.boolean(),
        (records, window, float32) => {
          const ctx = window ? windowed : unwindowed;
          expectSameVerdicts(encodeBody(records, float32), ctx);
          expectSameVerdicts(encodeBody(records[0], float32), ctx);
        },
      ),
      { numRuns: 6000 },
    );
    // Some generated bodies hold only valid records (about 3 %): the fast path must have taken them.
    expect(fastPathTaken.bodies).toBeGreaterThan(fastPathTaken.of / 50);
    // Thousands of bodies through both paths: 4.7-5.6 s on the slower 2-core machines here, past
    // vitest's default 5 s.
  }, 30_000);

  it('reaches the verdicts of the full path on damaged bodies', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom('replace', 'insert', 'cut'),
        (records, at, byte, how) => {
          const body = encodeBody(records, false);
          const i = at % (body.length + 1);
          const damaged =
            how === 'cut'
              ? body.subarray(0, i)
              : Buffer.concat([
                  body.subarray(0, i),
                  Buffer.from([byte]),
                  body.subarray(how === 'replace' ? i + 1 : i),
                ]);
          expectSameVerdicts(damaged, windowed);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('leaves to the full path what the decoder refuses or names', () => {
    const proto = Buffer.concat([Buffer.from([0x81, 0xa9]), Buffer.from('__proto__'), Buffer.from([0x01])]);
    const numberKey = Buffer.from(
      encode(
        new Map<unknown, unknown>([
          [1, 'x'],
          ['name', 'n'],
          ['gauge', { value: 1 }],
        ]),
      ),
    );
    for (const body of [
      Buffer.alloc(0),
      Buffer.from([0x90]),
      Buffer.from([0xc1]),
      Buffer.from([0x05]),
      proto,
      numberKey,
    ])
      expect(scanBetterStackMsgpack(body, windowed)).toBeUndefined();
    // Extra bytes after the value.
    expect(
      scanBetterStackMsgpack(
        Buffer.concat([encodeBody({ name: 'a', gauge: { value: 1 } }, false), Buffer.from([0])]),
        windowed,
      ),
    ).toBeUndefined();
  });

  it.each([
    // {"name":"a","gauge":{"value":1},"tags":{"k":"v"},"tags":{"k":nil}}
    ['tags', '84a46e616d65a161a5676175676581a576616c756501a47461677381a16ba176a47461677381a16bc0'],
    // {"name":"a","gauge":{"value":1},"dt":1700000000,"dt":1500000000}
    ['dt', '84a46e616d65a161a5676175676581a576616c756501a26474ce6553f100a26474ce59682f00'],
  ])('lets the decoder decide a record with a repeated %s (it keeps the last)', (_key, hex) => {
    const body = Buffer.from(hex, 'hex');
    expectSameVerdicts(body, windowed);
    expect(processBetterStackPayload(body, 'msgpack', windowed)).toMatchObject({ accepted: 0 });
  });

  it('leaves a body with a record it cannot vouch for to the full path', () => {
    expect(
      scanBetterStackMsgpack(encodeBody([{ name: 'a', gauge: { value: 1 } }, { name: '' }], false), windowed),
    ).toBeUndefined();
  });

  it('decides ordinary records, float +Inf bounds and timestamp extensions included, as valid', () => {
    const body = encodeBody(
      [
        {
          name: 'cpu',
          gauge: { value: 1.5 },
          tags: { host: 'a', n: 3, up: true },
          dt: new Date(RECEIVED_US / 1000),
        },
        { name: 'req', counter: { value: 10n }, dt: BigInt(RECEIVED_US) * 1000n },
        {
          name: 'lat',
          histogram: {
            count: 3,
            sum: 1.5,
            buckets: [
              { upper_limit: 0.5, count: 1 },
              { upper_limit: Number.POSITIVE_INFINITY, count: 2 },
            ],
          },
        },
        {
          name: 'q',
          summary: { count: 2, sum: 3, quantiles: [{ quantile: 0.5, value: 1 }] },
          tags: null,
          dt: '2023-11-14T22:13:20Z',
        },
      ],
      false,
    );
    expect(scanBetterStackMsgpack(body, windowed)).toEqual({ accepted: 4, rejected: [], records: 4 });
  });
});
