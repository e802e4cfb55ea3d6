import type { MetricType } from '@pipeline/sample-model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { processOpenObservePayload } from './process-payload.js';
import { scanOpenObserveJson } from './scan-json.js';
import { context } from './test-support.js';

/** The full path (JSON.parse, objects) and the byte path must give the same answer. */
function expectSameAnswer(body: Buffer, ctx: ReturnType<typeof context>) {
  const full = processOpenObservePayload(body, ctx);
  const quick = processOpenObservePayload(body, { ...ctx, statusOnly: true });
  if (!full.ok) {
    expect(quick).toEqual(full);
    return;
  }
  expect(quick).toEqual({ ...full, samples: [] });
}

const ws = fc.constantFrom('', ' ', '\t', ' \r ');
const text = fc.oneof(fc.string(), fc.constantFrom('cpu', 'CPU.Usage', 'mem', 'é', 'a"b', 'x\\y', ''));
const numberText = fc.oneof(
  fc.integer().map(String),
  fc.double().map((v) => (Number.isFinite(v) ? JSON.stringify(v) : '1e999')),
  fc.constantFrom(
    '1690129406889',
    '1690129406889123',
    '1690129406',
    '1690129406889123456',
    '0',
    '-1',
    '1e400',
    '-0',
    '1.5e3',
  ),
);
const anyText = fc.oneof(
  numberText,
  text.map((t) => JSON.stringify(t)),
  fc.constantFrom('null', 'true', 'false', '{}', '[]', '{"a":{"b":1}}', '[1,[2]]', '"\\u0041"'),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);
const typeText = fc.oneof(
  fc.constantFrom(
    '"counter"',
    '"gauge"',
    '"guage"',
    '"GAUGE"',
    '"histogram"',
    '"summary"',
    '"Summary"',
    '"bogus"',
    '5',
    'null',
  ),
  anyText,
);
const key = (name: string) =>
  fc.constantFrom(JSON.stringify(name), JSON.stringify(name).replace('_', '\\u005f'));
const label = fc.tuple(
  fc
    .oneof(
      text,
      fc.constantFrom('__proto__', 'constructor', 'le', 'Host', 'host', 'x'.repeat(1025), 'é'.repeat(400)),
    )
    .map((k) => JSON.stringify(k)),
  fc.oneof(
    {
      arbitrary: fc.oneof(
        text.map((t) => JSON.stringify(t)),
        numberText,
        fc.constantFrom('true', 'null'),
      ),
      weight: 5,
    },
    { arbitrary: anyText, weight: 1 },
  ),
);
const member = fc.oneof(
  fc.tuple(
    key('__name__'),
    fc.oneof({ arbitrary: text.map((t) => JSON.stringify(t)), weight: 4 }, { arbitrary: anyText, weight: 1 }),
  ),
  fc.tuple(key('__type__'), typeText),
  fc.tuple(key('value'), fc.oneof({ arbitrary: numberText, weight: 4 }, { arbitrary: anyText, weight: 1 })),
  fc.tuple(
    fc.constantFrom('"_timestamp"', '"@timestamp"'),
    fc.oneof({ arbitrary: numberText, weight: 4 }, { arbitrary: anyText, weight: 1 }),
  ),
  label,
);
const object = (members: fc.Arbitrary<[string, string][]>) =>
  fc
    .tuple(members, ws)
    .map(
      ([list, space]) => `{${space}${list.map(([k, v]) => `${k}${space}:${space}${v}`).join(`,${space}`)}}`,
    );
/** Mostly well-formed records of a few streams (so that types meet), else anything. */
const record = fc.oneof(
  {
    arbitrary: fc
      .tuple(
        fc.constantFrom('cpu', 'mem', 'Disk.IO', 'http_request_time'),
        fc.constantFrom('counter', 'gauge', 'guage', 'histogram', 'summary', 'Counter'),
        fc.array(label, { maxLength: 4 }),
        fc.option(numberText, { nil: undefined }),
        fc.option(fc.tuple(fc.constantFrom('_timestamp', '@timestamp'), numberText), { nil: undefined }),
      )
      .chain(([name, type, labels, value, ts]) =>
        fc
          .shuffledSubarray(
            [
              [JSON.stringify('__name__'), JSON.stringify(name)],
              [JSON.stringify('__type__'), JSON.stringify(type)],
              ...labels,
              ...(value === undefined ? [] : [[JSON.stringify('value'), value]]),
              ...(ts === undefined ? [] : [[JSON.stringify(ts[0]), ts[1]]]),
            ] as [string, string][],
            { minLength: labels.length + 2 },
          )
          .map((members) => members),
      )
      .chain((members) => object(fc.constant(members))),
    weight: 6,
  },
  { arbitrary: object(fc.array(member, { maxLength: 7 })), weight: 2 },
  { arbitrary: anyText, weight: 1 },
);

describe('scanOpenObserveJson: the receiver reads fields from the bytes', () => {
  it('gives the answer of the full path on arrays and NDJSON, with types known and new', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 0, maxLength: 10 }),
        fc.constantFrom(200, 3, 4),
        fc.constantFrom<Record<string, MetricType>>(
          {},
          { cpu: 'gauge' },
          { mem: 'counter', http_request_time: 'summary' },
        ),
        ws,
        (records, maxFields, known, space) => {
          const ctx = context({ known, maxFields });
          expectSameAnswer(Buffer.from(`${space}[${records.join(`,${space}`)}]${space}`), ctx);
          expectSameAnswer(Buffer.from(records.map((r) => r.replace(/\n/g, ' ')).join('\n')), ctx);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('gives the answer of the full path on damaged bodies', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.constantFrom('', ',', ']', '}', '"', '\\', ':', '\n', '\u0000', 'x', '[', '{'),
        (records, at, insert) => {
          const body = `[${records.join(',')}]`;
          const i = at % (body.length + 1);
          expectSameAnswer(Buffer.from(body.slice(0, i) + insert + body.slice(i + 1)), context());
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('decides flat records on the bytes and parses only the others', () => {
    const body = Buffer.from(
      JSON.stringify([
        {
          __name__: 'cpu',
          __type__: 'gauge',
          host: 'a',
          up: true,
          n: 1,
          gone: null,
          value: 0.5,
          _timestamp: 1690129406889,
        },
        { __name__: 'cpu', __type__: 'counter', value: 1 },
        { __name__: 'mem', __type__: 'gauge', nested: { a: 1 }, value: 2 },
      ]),
    );
    const parse = JSON.parse;
    const parsed: string[] = [];
    JSON.parse = (text: string, ...rest: unknown[]) => {
      parsed.push(text);
      return parse(text, ...(rest as []));
    };
    let result: ReturnType<typeof scanOpenObserveJson>;
    try {
      result = scanOpenObserveJson(body, { ...context(), statusOnly: true });
    } finally {
      JSON.parse = parse;
    }
    // The conflicting record is parsed for its dead letter; the nested one to be read at all.
    expect(parsed).toEqual([
      '{"__name__":"cpu","__type__":"counter","value":1}',
      '{"__name__":"mem","__type__":"gauge","nested":{"a":1},"value":2}',
    ]);
    expect(result).toMatchObject({
      ok: true,
      records: 3,
      streams: [
        {
          name: 'cpu',
          successful: 1,
          failed: 1,
          error: 'metric type mismatch: stream cpu is registered as gauge, got counter',
        },
        { name: 'mem', successful: 1, failed: 0 },
      ],
      registrations: [
        { stream: 'cpu', type: 'gauge' },
        { stream: 'mem', type: 'gauge' },
      ],
    });
  });

  it('leaves bodies that are not a JSON array or NDJSON of objects to the full path', () => {
    for (const body of ['', '  ', '5', '"x"', '[1,]', '{"a":1', '{\n"__name__":"cpu"}', '[{}] x'])
      expect(scanOpenObserveJson(Buffer.from(body), { ...context(), statusOnly: true })).toBeUndefined();
  });
});
