import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { processOpenObservePayload } from './process-payload.js';
import { createOpenObserveShapes } from './scan-json.js';
import {
  context,
  expectSameSamples,
  expectSameStatusesWithShapes,
  testStatusShapes,
} from './test-support.js';

/**
 * Records that share their bytes but for what lies where the value and timestamps lie (V, T, A):
 * the same template filled twice means the second body meets shapes made from the first, with
 * other tokens in their holes, valid or not, well-formed or not.
 */
const TEMPLATES = [
  '{"__name__":"cpu","__type__":"gauge","host":"a","value":V,"_timestamp":T}',
  '{"__name__":"req","__type__":"counter","value":V,"@timestamp":A,"code":200}',
  '{"_timestamp":T,"@timestamp":A,"__name__":"lat","__type__":"histogram","value":V}',
  '{"__name__":"up","__type__":"gauge","value":V}',
  '{"__name__":"cpu","__type__":"counter","host":"b","value":V,"_timestamp":T}',
  '{ "__name__" : "mem", "__type__": "gauge", "value" : V , "_timestamp": T }',
];
const VALUES = ['1', '-0', '2.5e3', '1e400', ' 7 ', '"7"', 'null', '[1]', '1.', '-', '01'];
const TIMES = [
  '1700000000000000',
  '1700000000000',
  '1700000000',
  // The digits of the one before, continued: a timestamp read again must not stop at them.
  '1700000000.5',
  '1700000000e3',
  '1699999999.5',
  '0',
  '-1',
  '1e400',
  '99999999999999999999',
  '"1700000000"',
  'null',
  '1e',
];

const fill = (template: string, values: readonly string[], times: readonly string[]) => {
  let v = 0;
  let t = 0;
  return template.replace(/[VTA]/g, (hole) =>
    hole === 'V' ? values[v++ % values.length]! : times[t++ % times.length]!,
  );
};

describe('records of known shapes read from their holes give the statuses and samples of a scan', () => {
  it('whatever tokens the holes hold, in arrays and NDJSON, with types known or not', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(TEMPLATES.length - 1), { minLength: 1, maxLength: 6 }),
        fc.array(
          fc.record({
            values: fc.array(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 4 }),
            times: fc.array(fc.constantFrom(...TIMES), { minLength: 1, maxLength: 3 }),
          }),
          { minLength: 2, maxLength: 3 },
        ),
        fc.boolean(),
        fc.boolean(),
        (records, fillings, ndjson, cpuIsCounter) => {
          const ctx = context({ known: cpuIsCounter ? { cpu: 'counter' } : {} });
          for (const { values, times } of fillings) {
            const texts = records.map((t) => fill(TEMPLATES[t]!, values, times));
            const body = Buffer.from(ndjson ? texts.join('\n') : `[${texts.join(',')}]`);
            expectSameStatusesWithShapes(body, ctx);
            expectSameSamples(body, ctx);
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(testStatusShapes.size).toBeGreaterThan(0);
  });

  it('counts a known shape’s fields against the limit of the context it is read in', () => {
    const body = Buffer.from(
      `[${fill(TEMPLATES[0]!, ['1'], ['1700000000'])},${fill(TEMPLATES[1]!, ['2'], ['1700000000'])}]`,
    );
    expectSameStatusesWithShapes(body, context());
    // Five fields each: with a limit of 4 they are refused, as a scan refuses them.
    const limited = context({ maxFields: 4 });
    expectSameStatusesWithShapes(body, limited);
    expect(processOpenObservePayload(body, { ...limited, statusOnly: true }, testStatusShapes)).toMatchObject(
      {
        streams: [
          { name: 'cpu', successful: 0, failed: 1 },
          { name: 'req', successful: 0, failed: 1 },
        ],
      },
    );
  });

  it('keeps each shape’s own stream, type and fields where shapes share what they name', () => {
    // Each record after one that differs from it in one of the three only: the fields (3, 5), the
    // type (gauge, counter), the stream (up, down).
    const body = Buffer.from(
      `[${[
        '{"__name__":"up","__type__":"gauge","value":1}',
        '{"__name__":"up","__type__":"gauge","value":2,"zone":"eu","rack":"r1"}',
        '{"__name__":"up","__type__":"gauge","value":3,"zone":"eu"}',
        '{"__name__":"up","__type__":"counter","value":4,"zone":"us"}',
        '{"__name__":"down","__type__":"counter","value":5,"zone":"eu"}',
      ].join(',')}]`,
    );
    // Shapes of their own (the shared ones may have stopped walking), made where all are vouched,
    // then read again, and with a limit of 4 fields.
    const shapes = createOpenObserveShapes<never>();
    const statusCtx = { ...context(), statusOnly: true };
    const plain = processOpenObservePayload(body, statusCtx);
    expect(plain).toMatchObject({
      streams: [
        { name: 'up', successful: 3, failed: 1 },
        { name: 'down', successful: 1, failed: 0 },
      ],
    });
    expect(processOpenObservePayload(body, statusCtx, shapes)).toEqual(plain);
    expect(shapes.size).toBe(5);
    expect(processOpenObservePayload(body, statusCtx, shapes)).toEqual(plain);
    const limited = { ...context({ maxFields: 4 }), statusOnly: true };
    const plainLimited = processOpenObservePayload(body, limited);
    expect(plainLimited).toMatchObject({
      streams: [{ name: 'up', successful: 2, failed: 2 }, { name: 'down' }],
    });
    expect(processOpenObservePayload(body, limited, shapes)).toEqual(plainLimited);
  });

  it('admits each known shape’s type per body: a conflict with a known type still fails the record', () => {
    const body = Buffer.from(`[${fill(TEMPLATES[0]!, ['1'], ['1700000000'])}]`);
    const statusCtx = { ...context(), statusOnly: true };
    expect(processOpenObservePayload(body, statusCtx, testStatusShapes)).toMatchObject({
      ok: true,
      streams: [{ name: 'cpu', successful: 1, failed: 0 }],
    });
    const conflicting = { ...context({ known: { cpu: 'counter' } }), statusOnly: true };
    const refused = processOpenObservePayload(body, conflicting, testStatusShapes);
    expect(refused).toMatchObject({ ok: true, streams: [{ name: 'cpu', successful: 0, failed: 1 }] });
    expect(refused).toEqual(processOpenObservePayload(body, conflicting));
  });

  it('counts a run of known records of one stream and type as its first was admitted, until a refusal or a doubt breaks it', () => {
    const cpu = (host: string, value: number) =>
      `{"__name__":"cpu","__type__":"gauge","host":"${host}","value":${value},"_timestamp":1700000000}`;
    // Each record a shape of its own, so that the second read predicts every one.
    const texts = [
      cpu('a', 1),
      // Other shapes of the same stream, type and fields: they share the meta, so the run goes on.
      cpu('b', 2),
      cpu('c', 3),
      // The stream is a gauge by now: refused, and the run that follows starts anew.
      '{"__name__":"cpu","__type__":"counter","host":"d","value":4,"_timestamp":1700000000}',
      cpu('e', 5),
      // Left to normalizeRecord, which refuses a string value.
      '{"__name__":"mem","__type__":"gauge","value":"6"}',
      cpu('f', 7),
      cpu('g', 8),
      '{"__name__":"mem","__type__":"gauge","value":9}',
      cpu('h', 10),
    ];
    const body = Buffer.from(`[${texts.join(',')}]`);
    const statusCtx = { ...context(), statusOnly: true };
    const plain = processOpenObservePayload(body, statusCtx);
    expect(plain).toMatchObject({
      ok: true,
      records: 10,
      streams: [
        { name: 'cpu', successful: 7, failed: 1 },
        { name: 'mem', successful: 1, failed: 1 },
      ],
      rejected: [
        { index: 3, reason: expect.stringMatching(/registered as gauge, got counter/) },
        { index: 5, reason: 'value is required and must be a number' },
      ],
    });
    // New shapes, then every record read against its predicted one.
    const shapes = createOpenObserveShapes<never>();
    for (let pass = 0; pass < 3; pass++)
      expect(processOpenObservePayload(body, statusCtx, shapes)).toEqual(plain);
    // All but the doubtful record, which has no shape.
    expect(shapes.size).toBe(9);
  });
});
