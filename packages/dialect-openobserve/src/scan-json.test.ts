import type { MetricType } from '@pipeline/sample-model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { processOpenObservePayload } from './process-payload.js';
import { scanOpenObserveJson } from './scan-json.js';
import {
  context,
  expectSameSamples,
  expectSameStatusesWithShapes,
  fastPathTaken,
  RECEIVED_AT_US,
} from './test-support.js';
import type { OpenObserveContext } from './types.js';

/** The full path (JSON.parse, normalizeRecord) and the byte path must reach the same answer. */
function expectSameAnswer(body: Buffer, ctx: OpenObserveContext) {
  const full = processOpenObservePayload(body, ctx);
  const quick = processOpenObservePayload(body, { ...ctx, statusOnly: true });
  if (!full.ok) {
    expect(quick).toEqual(full);
  } else {
    expect(quick).toEqual({ ...full, samples: [] });
  }
  // The normalizer's fast path reads the same bytes: it must give the full path's samples.
  expectSameSamples(body, ctx);
  // And so does a receiver that knows the shapes of earlier records.
  expectSameStatusesWithShapes(body, ctx);
}

const record = (fields: Record<string, unknown>) => JSON.stringify(fields);

describe('scanOpenObserveJson: the receiver counts streams from the bytes', () => {
  it('vouches for well-formed records and counts them per stream, registering first types', () => {
    const body = Buffer.from(
      `[${[
        record({
          __name__: 'cpu',
          __type__: 'gauge',
          host: 'a',
          _timestamp: 1_700_000_000_000_000,
          value: 1,
        }),
        record({
          __name__: 'cpu',
          __type__: 'gauge',
          host: 'b',
          _timestamp: 1_700_000_000_000_000,
          value: 2,
        }),
        record({ __name__: 'Http.Requests', __type__: 'COUNTER', ok: true, n: 3, x: null, value: 4 }),
      ].join(',')}]`,
    );
    expect(scanOpenObserveJson(body, context())).toEqual({
      streams: [
        { name: 'cpu', successful: 2, failed: 0 },
        { name: 'http_requests', successful: 1, failed: 0 },
      ],
      rejected: [],
      registrations: [
        { stream: 'cpu', type: 'gauge' },
        { stream: 'http_requests', type: 'counter' },
      ],
      records: 3,
    });
  });

  it('refuses a vouched record whose type conflicts, with the registry reason and the record', () => {
    const cpu = { __name__: 'cpu', __type__: 'counter', value: 1 };
    const scanned = scanOpenObserveJson(
      Buffer.from(`[${record(cpu)}]`),
      context({ known: { cpu: 'gauge' } }),
    );
    expect(scanned?.streams).toEqual([
      {
        name: 'cpu',
        successful: 0,
        failed: 1,
        error: 'metric type mismatch: stream cpu is registered as gauge, got counter',
      },
    ]);
    expect(scanned?.rejected).toEqual([
      {
        index: 0,
        reason: 'metric type mismatch: stream cpu is registered as gauge, got counter',
        record: cpu,
      },
    ]);
  });

  it('leaves doubtful records to normalizeRecord, which gives their reasons', () => {
    const body = Buffer.from(
      `[${record({ __name__: 'cpu', __type__: 'gauge', value: '1' })},{"__name__":"cpu","__type__":"gauge","value":1e999},{"__name__":"cpu","__type__":"gauge","value":1,"value":"x"},5]`,
    );
    const scanned = scanOpenObserveJson(body, context());
    expect(scanned?.rejected.map((r) => r.reason)).toEqual([
      'value is required and must be a number',
      'value is out of the float64 range',
      'value is required and must be a number',
      'record must be a JSON object, got number',
    ]);
    expectSameAnswer(body, context());
  });

  it('reads NDJSON and one-line objects too, and leaves what is not JSON to the full path', () => {
    const one = record({ __name__: 'cpu', __type__: 'gauge', value: 1 });
    const pretty = JSON.stringify({ __name__: 'cpu', __type__: 'gauge', value: 1 }, null, 2);
    for (const text of [pretty, `${one}\n${one} x`, `[${one}`, `[${one}] x`, `[${one},]`, '', '  ', '\n\n'])
      expect(scanOpenObserveJson(Buffer.from(text), context())).toBeUndefined();
    expect(scanOpenObserveJson(Buffer.from(`\ufeff [ ${one} ] \n`), context())?.records).toBe(1);
    expect(scanOpenObserveJson(Buffer.from('[]'), context())?.records).toBe(0);
    expect(scanOpenObserveJson(Buffer.from(one), context())?.streams).toEqual([
      { name: 'cpu', successful: 1, failed: 0 },
    ]);
    const lines = scanOpenObserveJson(Buffer.from(`\n${one}\r\n  \n5\n${one}`), context());
    expect(lines?.records).toBe(3);
    expect(lines?.rejected.map((r) => r.index)).toEqual([1]);
    for (const text of [pretty, `\n${one}\r\n  \n5\n${one}`]) expectSameAnswer(Buffer.from(text), context());
  });

  it('counts label fields as the full path does, against the limit', () => {
    const labels = (n: number) =>
      record({
        __name__: 'm',
        __type__: 'gauge',
        value: 1,
        ...Object.fromEntries([...Array(n)].map((_, i) => [`l${i}`, i])),
      });
    for (const n of [0, 1, 2, 3, 4])
      expectSameAnswer(Buffer.from(`[${labels(n)}]`), context({ maxFields: 5 }));
  });

  // Members as text, so that repeated keys, escaped keys, odd spacing and any value can be written.
  const ws = fc.constantFrom('', ' ', '\n', '\t', ' \r\n ');
  const anyText = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
    fc.constantFrom('null', 'true', '"1"', '{}', '[]', '""', '{"a":{"b":[1,2]}}', '1e999', '-0'),
  );
  const weighted = <T>(often: fc.Arbitrary<T>, rarely: fc.Arbitrary<T>) =>
    fc.oneof({ arbitrary: often, weight: 4 }, { arbitrary: rarely, weight: 1 });
  const finiteText = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => JSON.stringify(v)),
    fc.integer().map(String),
    fc.constantFrom('0', '-0', '1.5', '1e3', '12345678901234567890'),
  );
  const seconds = Math.floor(RECEIVED_AT_US / 1e6);
  const timestampText = fc.oneof(
    fc.integer({ min: seconds - 86_400, max: seconds + 86_400 }).map(String),
    fc.integer({ min: seconds - 86_400, max: seconds + 86_400 }).map((s) => String(s * 1000)),
    fc.integer({ min: seconds - 86_400, max: seconds + 86_400 }).map((s) => `${s}123456`),
    fc.constantFrom('0', '-1', '1.5', '1e30', '99999999999999999999', 'null', '"2024-01-01T00:00:00Z"'),
  );
  const typeText = fc.oneof(
    fc
      .constantFrom('gauge', 'counter', 'histogram', 'summary', 'GAUGE', 'Counter', 'guage', 'gauges', '')
      .map((t) => JSON.stringify(t)),
    fc.constantFrom('"g\\u0061uge"', '"gaug\u00e9"', '1', 'null'),
  );
  const nameText = fc.oneof(
    fc
      .constantFrom('cpu', 'mem', 'http.requests', 'Http Requests', 'caf\u00e9', '__proto__', '', 'a\u0000b')
      .map((n) => JSON.stringify(n)),
    fc.string({ maxLength: 6 }).map((n) => JSON.stringify(n)),
    fc.constantFrom('"c\\u0070u"', '5', 'null', '{}'),
  );
  const labelKey = fc.oneof(
    fc
      .constantFrom('host', 'region', 'Env', 'a.b', '__proto__', 'constructor', '__NAME__', 'k\u00e9')
      .map((k) => JSON.stringify(k)),
    fc.string({ maxLength: 5 }).map((k) => JSON.stringify(k)),
    fc.constantFrom(
      '"\\u005f_name__"',
      '"h\\u006fst"',
      JSON.stringify('k'.repeat(1025)),
      JSON.stringify('k'.repeat(1024)),
    ),
  );
  const labelValue = fc.oneof(
    fc.string({ maxLength: 5 }).map((v) => JSON.stringify(v)),
    finiteText,
    fc.constantFrom('true', 'false', 'null', '{"x":1,"y":{"z":"w"}}', '[1,"a"]', '{}', '[]', '"\\n\\u00e9"'),
  );
  const key = (k: string) => fc.constantFrom(JSON.stringify(k));
  const member = fc.oneof(
    fc.tuple(key('__name__'), weighted(nameText, anyText)),
    fc.tuple(key('__type__'), weighted(typeText, anyText)),
    fc.tuple(key('value'), weighted(finiteText, anyText)),
    fc.tuple(key('_timestamp'), weighted(timestampText, anyText)),
    fc.tuple(key('@timestamp'), weighted(timestampText, anyText)),
    fc.tuple(labelKey, labelValue),
  );
  const object = (members: fc.Arbitrary<readonly [string, string]>[], max: number) =>
    fc
      .tuple(fc.array(fc.oneof(...members), { maxLength: max }), ws)
      .map(
        ([pairs, space]) =>
          `{${pairs.map(([k, v]) => `${space}${k}${space}:${space}${v}`).join(',')}${space}}`,
      );
  /** Usually a record that may well be valid; any member combination and any value too. */
  const recordText = fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          nameText,
          typeText,
          finiteText,
          fc.option(timestampText),
          fc.array(fc.tuple(labelKey, labelValue), { maxLength: 4 }),
        )
        .map(
          ([name, type, value, timestamp, labels]) =>
            `{"__name__":${name},"__type__":${type},${labels.map(([k, v]) => `${k}:${v},`).join('')}${timestamp === null ? '' : `"_timestamp":${timestamp},`}"value":${value}}`,
        ),
    },
    { weight: 2, arbitrary: object([member], 8) },
    { weight: 1, arbitrary: anyText },
  );

  it('reaches the answers of the full path on any array of records', () => {
    fc.assert(
      fc.property(
        fc.array(recordText, { maxLength: 8 }),
        ws,
        fc.boolean(),
        fc.constantFrom(2, 4, 200),
        fc.constantFrom<Record<string, MetricType>>({}, { cpu: 'gauge' }, { cpu: 'summary', mem: 'counter' }),
        (records, space, bom, maxFields, known) => {
          const text = `${bom ? '\ufeff' : ''}${space}[${records.join(`,${space}`)}]${space}`;
          expectSameAnswer(Buffer.from(text), context({ maxFields, known }));
        },
      ),
      { numRuns: 1000 },
    );
    // A few generated bodies hold only valid records (emit-samples.test.ts has many more).
    expect(fastPathTaken.bodies).toBeGreaterThan(0);
  });

  it('reaches the answers of the full path on any NDJSON body', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(recordText, fc.constantFrom('\n', '\r\n', '\n\n', '\n \t\n')), { maxLength: 8 }),
        fc.boolean(),
        fc.constantFrom(2, 200),
        fc.constantFrom<Record<string, MetricType>>({}, { cpu: 'gauge' }),
        (lines, bom, maxFields, known) => {
          const text = `${bom ? '\ufeff' : ''}${lines.map(([line, end]) => `${line}${end}`).join('')}`;
          expectSameAnswer(Buffer.from(text), context({ maxFields, known }));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('reaches the answers of the full path on broken bodies too', () => {
    fc.assert(
      fc.property(fc.array(recordText, { minLength: 1, maxLength: 4 }), fc.nat(), (records, cut) => {
        const text = `[${records.join(',')}]`;
        expectSameAnswer(Buffer.from(text.slice(0, cut % (text.length + 1))), context());
      }),
      { numRuns: 1000 },
    );
  });
});
