import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectSameSamples, expectSameVerdictsWithShapes, fastPathTaken } from './emit-test-support.js';
import { processBetterStackPayload } from './process-payload.js';
import { scanBetterStackJson } from './scan-json.js';

const RECEIVED_US = 1_700_000_000_000_000;
const windowed = {
  receivedAtUs: RECEIVED_US,
  window: { maxAgeUs: 15 * 60 * 1_000_000, maxFutureUs: 3600 * 1_000_000 },
};
const unwindowed = { receivedAtUs: RECEIVED_US, window: { maxAgeUs: 0, maxFutureUs: 0 } };

/** The full path (objects) and the byte path must reach the same verdicts. */
function expectSameVerdicts(body: Buffer, format: 'json' | 'ndjson', ctx: typeof windowed) {
  const full = processBetterStackPayload(body, format, ctx);
  const quick = processBetterStackPayload(body, format, { ...ctx, statusOnly: true });
  if (!full.ok) {
    expect(quick).toEqual(full);
  } else {
    expect(quick).toEqual({ ...full, samples: [] });
  }
  // The normalizer's fast path reads the same bytes: it must give the full path's samples.
  expectSameSamples(body, format, ctx);
  // And so does a receiver that knows the shapes of earlier records.
  expectSameVerdictsWithShapes(body, format, ctx);
}

// Members as text, so that repeated keys, escaped keys and odd spacing can be written.
const ws = fc.constantFrom('', ' ', '\n', '\t', ' \r\n ');
const finiteText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => JSON.stringify(v)),
  fc.integer().map(String),
  fc.constantFrom(
    '1e308',
    '-1e308',
    '2e308',
    '-2e308',
    '1E+2',
    '0.5e-3',
    '-0',
    '0',
    `1${'0'.repeat(308)}`,
    `1${'0'.repeat(309)}`,
  ),
);
const anyText = fc.oneof(
  finiteText,
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.constantFrom('null', 'true', '"1"', '{}', '[]', '""'),
);
const iso = fc
  .integer({ min: RECEIVED_US / 1000 - 2 * 3_600_000, max: RECEIVED_US / 1000 + 2 * 3_600_000 })
  .map((ms) => new Date(ms).toISOString());
const dtText = fc.oneof(
  iso.map((t) => JSON.stringify(t)),
  iso.map((t) => JSON.stringify(t.replace('T', ' ').replace('Z', '+00:00'))),
  fc.integer({ min: RECEIVED_US - 7_200_000_000, max: RECEIVED_US + 7_200_000_000 }).map(String),
  fc.integer({ min: RECEIVED_US / 1e6 - 7200, max: RECEIVED_US / 1e6 + 7200 }).map(String),
  fc.constantFrom(
    '"1700000000123456789"',
    '"not a time"',
    '"2023-11-14T22:13:20\\u005a"',
    '"é"',
    'null',
    '{}',
    '1e15',
    '-5',
  ),
  anyText,
);
const key = (name: string) =>
  fc.constantFrom(
    JSON.stringify(name),
    `"${name.slice(0, 1)}\\u00${name.charCodeAt(1).toString(16)}${name.slice(2)}"`,
  );
const object = (members: fc.Arbitrary<readonly [string, string]>[], max = 6) =>
  fc
    .tuple(fc.array(fc.oneof(...members), { maxLength: max }), ws)
    .map(
      ([list, space]) => `{${space}${list.map(([k, v]) => `${k}${space}:${space}${v}`).join(`,${space}`)}}`,
    );
const weighted = <T>(often: fc.Arbitrary<T>, rarely: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: often, weight: 4 }, { arbitrary: rarely, weight: 1 });
/** Mostly the right members once each (so that records are often valid), else any members. */
const shaped = (
  right: fc.Arbitrary<string>,
  members: fc.Arbitrary<readonly [string, string]>[],
  max: number,
) => weighted(right, object(members, max));
const single = shaped(
  weighted(finiteText, anyText).map((v) => `{"value":${v}}`),
  [fc.tuple(key('value'), weighted(finiteText, anyText)), fc.tuple(key('extra'), anyText)],
  3,
);
const upperLimit = fc.oneof(
  finiteText,
  fc.constantFrom(
    '"inf"',
    '"+Inf"',
    '"INF"',
    '"-inf"',
    '"+inff"',
    '"in"',
    '"+in"',
    '"infx"',
    '"inf "',
    '"\\u0069nf"',
    '"iNf"',
  ),
  anyText,
);
const bucket = shaped(
  fc.tuple(upperLimit, finiteText).map(([u, c]) => `{"upper_limit":${u},"count":${c}}`),
  [fc.tuple(key('upper_limit'), upperLimit), fc.tuple(key('count'), weighted(finiteText, anyText))],
  3,
);
const quantile = shaped(
  fc.tuple(finiteText, finiteText).map(([q, v]) => `{"quantile":${q},"value":${v}}`),
  [
    fc.tuple(key('quantile'), weighted(finiteText, anyText)),
    fc.tuple(key('value'), weighted(finiteText, anyText)),
  ],
  3,
);
const list = (item: fc.Arbitrary<string>) =>
  fc.array(weighted(item, anyText), { maxLength: 4 }).map((items) => `[${items.join(',')}]`);
const distribution = (listKey: string, item: fc.Arbitrary<string>) =>
  shaped(
    fc
      .tuple(finiteText, finiteText, list(item))
      .map(([c, sum, l]) => `{"count":${c},"sum":${sum},${JSON.stringify(listKey)}:${l}}`),
    [
      fc.tuple(key('count'), weighted(finiteText, anyText)),
      fc.tuple(key('sum'), weighted(finiteText, anyText)),
      fc.tuple(key(listKey), weighted(list(item), anyText)),
    ],
    4,
  );
const tagValue = fc.oneof(
  fc.string().map((s) => JSON.stringify(s)),
  finiteText,
  fc.constantFrom('true', 'false', 'null', '{}', '[1]', '1e999'),
);
const tags = fc.oneof(
  fc
    .array(
      fc.tuple(
        fc.string().map((s) => JSON.stringify(s)),
        tagValue,
      ),
      { maxLength: 4 },
    )
    .map((pairs) => `{${pairs.map(([k, v]) => `${k}:${v}`).join(',')}}`),
  fc.constantFrom('null', '[]', '"a"'),
);
const member = fc.oneof(
  fc.tuple(
    key('name'),
    weighted(
      fc.string().map((s) => JSON.stringify(s)),
      anyText,
    ),
  ),
  fc.tuple(key('gauge'), weighted(single, anyText)),
  fc.tuple(key('counter'), weighted(single, anyText)),
  fc.tuple(key('histogram'), weighted(distribution('buckets', bucket), anyText)),
  fc.tuple(key('summary'), weighted(distribution('quantiles', quantile), anyText)),
  fc.tuple(key('tags'), weighted(tags, anyText)),
  fc.tuple(key('dt'), dtText),
  fc.tuple(
    fc.string().map((s) => JSON.stringify(s)),
    anyText,
  ),
);
/** Usually one name and one kind, so that many records are valid; any other combination too. */
const record = fc.oneof(
  fc
    .tuple(
      fc.string({ minLength: 1 }),
      fc.oneof(
        single.map((b) => `"gauge":${b}`),
        single.map((b) => `"counter":${b}`),
        distribution('buckets', bucket).map((b) => `"histogram":${b}`),
        distribution('quantiles', quantile).map((b) => `"summary":${b}`),
      ),
      fc.option(tags),
      fc.option(dtText),
    )
    .map(
      ([name, kind, t, dt]) =>
        `{"name":${JSON.stringify(name)},${kind}${t === null ? '' : `,"tags":${t}`}${dt === null ? '' : `,"dt":${dt}`}}`,
    ),
  object([member], 8),
  anyText,
);

describe('scanBetterStackJson: the receiver reads verdicts from the bytes', () => {
  it('reaches the verdicts of the full path on JSON arrays, single records and NDJSON', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        ws,
        (records, window, space) => {
          const ctx = window ? windowed : unwindowed;
          expectSameVerdicts(
            Buffer.from(`${space}[${space}${records.join(`${space},${space}`)}${space}]`),
            'json',
            ctx,
          );
          expectSameVerdicts(Buffer.from(records[0]!), 'json', ctx);
          // NDJSON lines cannot hold a newline outside a string.
          const lines = records.map((r) => r.replace(/\n/g, ' '));
          expectSameVerdicts(Buffer.from(lines.join(space === '\n' ? '\n\n' : '\n')), 'ndjson', ctx);
        },
      ),
      { numRuns: 3000 },
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
        fc.constantFrom('', ',', ']', '}', '"', '\\', ':', '\n', '\u0000', 'x', '[', '{'),
        (records, at, insert) => {
          const text = `[${records.join(',')}]`;
          const i = at % (text.length + 1);
          const damaged = Buffer.from(text.slice(0, i) + insert + text.slice(i + 1));
          expectSameVerdicts(damaged, 'json', windowed);
          expectSameVerdicts(damaged, 'ndjson', windowed);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('decides ordinary records on the bytes, without JSON.parse', () => {
    const body = Buffer.from(
      `\ufeff[${[
        '{"name":"cpu","gauge":{"value":1.5},"tags":{"host":"a","n":3,"up":true},"dt":"2023-11-14T22:13:20.5Z"}',
        '{"name":"req","counter":{"value":10},"dt":1700000000}',
        '{"name":"lat","histogram":{"count":3,"sum":1.5,"buckets":[{"upper_limit":0.5,"count":1},{"upper_limit":"+Inf","count":2}]}}',
        '{"name":"q","summary":{"count":2,"sum":3,"quantiles":[{"quantile":0.5,"value":1}]},"tags":null,"extra":[1,{"x":null}]}',
      ].join(',')}]`,
    );
    const parse = JSON.parse;
    let parsed = 0;
    JSON.parse = (...args: Parameters<typeof JSON.parse>) => {
      parsed++;
      return parse(...args);
    };
    try {
      expect(scanBetterStackJson(body, 'json', windowed)).toEqual({ accepted: 4, rejected: [], records: 4 });
    } finally {
      JSON.parse = parse;
    }
    expect(parsed).toBe(0);
  });

  it('parses only the records it cannot vouch for, and reports them with the rules’ reasons', () => {
    const body = Buffer.from(
      [
        '{"name":"ok","gauge":{"value":1}}',
        '{"name":"","gauge":{"value":1}}',
        '{"name":"old","gauge":{"value":1},"dt":"2020-01-01T00:00:00Z"}',
        '{"name":"two","gauge":{"value":1},"counter":{"value":1}}',
        '5',
      ].join('\n'),
    );
    expect(scanBetterStackJson(body, 'ndjson', windowed)).toEqual({
      accepted: 1,
      records: 5,
      rejected: [
        {
          index: 1,
          reason: 'name is required and must be a non-empty string',
          record: { name: '', gauge: { value: 1 } },
        },
        {
          index: 2,
          reason: 'timestamp 2020-01-01T00:00:00.000Z is more than 15 min in the past',
          record: { name: 'old', gauge: { value: 1 }, dt: '2020-01-01T00:00:00Z' },
        },
        {
          index: 3,
          reason: 'exactly one of gauge, counter, histogram, summary is required (found: gauge, counter)',
          record: { name: 'two', gauge: { value: 1 }, counter: { value: 1 } },
        },
        { index: 4, reason: 'record must be an object (found: number)', record: 5 },
      ],
    });
  });

  it.each([
    ['tags', '{"name":"a","gauge":{"value":1},"tags":{"k":"v"},"tags":{"k":null}}'],
    ['dt', '{"name":"a","gauge":{"value":1},"dt":"2023-11-14T22:13:20Z","dt":"2020-01-01T00:00:00Z"}'],
    ['name', '{"name":"a","gauge":{"value":1},"name":""}'],
    ['value', '{"name":"a","gauge":{"value":1,"value":"x"}}'],
  ])('lets the decoder decide a record with a repeated %s (it keeps the last)', (_key, text) => {
    expectSameVerdicts(Buffer.from(text), 'json', windowed);
    expect(processBetterStackPayload(Buffer.from(text), 'json', windowed)).toMatchObject({ accepted: 0 });
  });

  it('leaves bodies that are not JSON, or hold no record, to the full path', () => {
    for (const text of [
      '',
      '  ',
      '[]',
      '[1,]',
      '{"name":"a"',
      '5',
      '{"name":"a","gauge":{"value":1}} x',
      '\n{"a":\n1}',
    ])
      expect(
        scanBetterStackJson(Buffer.from(text), text.startsWith('\n') ? 'ndjson' : 'json', windowed),
      ).toBeUndefined();
  });
});
