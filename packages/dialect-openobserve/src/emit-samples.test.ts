import type { MetricType } from '@pipeline/sample-model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emitOpenObserveSamples } from './emit-samples.js';
import { createOpenObserveShapes } from './scan-json.js';
import { context, expectSameSamples, RECEIVED_AT_US } from './test-support.js';

interface RecordPlan {
  name: string;
  type: string;
  labels: Record<string, string | number | boolean | null>;
  /** Which timestamp the record carries, and in what unit. */
  timestamp: 'none' | 's' | 'ms' | 'us' | 'at-ms';
}

const plan: fc.Arbitrary<RecordPlan> = fc.record({
  name: fc.oneof(
    fc.string({ minLength: 1, unit: 'grapheme' }),
    fc.constantFrom('cpu', 'http.requests', 'a b'),
  ),
  type: fc.constantFrom('gauge', 'counter', 'Gauge', 'COUNTER', 'histogram', 'summary'),
  labels: fc.dictionary(
    // Mostly plain keys: a non-ASCII or escaped key is one the scan leaves to the full path.
    fc.oneof(
      { weight: 9, arbitrary: fc.stringMatching(/^[a-zA-Z0-9_. -]{1,12}$/) },
      { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 4, unit: 'grapheme' }) },
    ),
    fc.oneof(fc.string({ unit: 'grapheme' }), fc.integer(), fc.boolean(), fc.constant(null)),
    { maxKeys: 4 },
  ),
  timestamp: fc.constantFrom('none', 's', 'ms', 'us', 'at-ms'),
});
const finite = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constant(-0));
const offsetUs = fc.integer({ min: -3_600_000_000, max: 3_600_000_000 });

function recordOf(p: RecordPlan, value: number, offset: number): string {
  const us = RECEIVED_AT_US + offset;
  const time =
    p.timestamp === 'none'
      ? {}
      : p.timestamp === 'at-ms'
        ? { '@timestamp': Math.floor(us / 1000) }
        : {
            _timestamp:
              p.timestamp === 's' ? Math.floor(us / 1e6) : p.timestamp === 'ms' ? Math.floor(us / 1000) : us,
          };
  return JSON.stringify({ __name__: p.name, __type__: p.type, ...p.labels, ...time, value });
}

describe('emitOpenObserveSamples: the normalizer reads known record shapes from their bytes', () => {
  it('gives the full path’s samples and registrations for new shapes and known ones with new values', () => {
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(plan, finite, finite, offsetUs, offsetUs), { minLength: 1, maxLength: 6 }),
        fc.constantFrom<Record<string, MetricType>>({}, { cpu: 'gauge' }, { cpu: 'counter' }),
        fc.boolean(),
        (records, known, ndjson) => {
          const shapes = createOpenObserveShapes<never>();
          const body = (texts: string[]) => Buffer.from(ndjson ? texts.join('\n') : `[${texts.join(',')}]`);
          const ctx = context({ known });
          const first = expectSameSamples(
            body(records.map(([p, v1, , o1]) => recordOf(p, v1, o1))),
            ctx,
            shapes,
          );
          const made = shapes.size;
          // The same records with other values and times: their shapes are known, none is added.
          const again = expectSameSamples(
            body(records.map(([p, , v2, , o2]) => recordOf(p, v2, o2))),
            ctx,
            shapes,
          );
          expect(again).toBe(first);
          if (first !== undefined) expect(shapes.size).toBe(made);
          runs++;
          if (first !== undefined) taken++;
        },
      ),
      { numRuns: 1500 },
    );
    // Odd label keys and two types for one stream send a body to the full path; most do not.
    expect(taken).toBeGreaterThan(runs / 4);
  });

  it('takes ordinary bodies, reading a known shape without JSON.parse', () => {
    const shapes = createOpenObserveShapes<string>();
    const added: string[] = [];
    const sink = { seriesOf: (s: { name: string }) => s.name, add: (s: string) => added.push(s) };
    const body = (value: number) =>
      Buffer.from(
        `[{"__name__":"cpu","__type__":"gauge","host":"a","_timestamp":${RECEIVED_AT_US},"value":${value}},` +
          `{"__name__":"up","__type__":"counter","value":${value}}]`,
      );
    expect(emitOpenObserveSamples(body(1), context(), 'acme', shapes, sink)).toEqual({
      samples: 2,
      registrations: [
        { stream: 'cpu', type: 'gauge' },
        { stream: 'up', type: 'counter' },
      ],
    });
    const parse = JSON.parse;
    let parsed = 0;
    JSON.parse = (...args: Parameters<typeof JSON.parse>) => {
      parsed++;
      return parse(...args);
    };
    try {
      const registered = context({ known: { cpu: 'gauge', up: 'counter' } });
      expect(emitOpenObserveSamples(body(2.5), registered, 'acme', shapes, sink)).toEqual({
        samples: 2,
        registrations: [],
      });
    } finally {
      JSON.parse = parse;
    }
    expect(parsed).toBe(0);
    expect(added).toEqual(['cpu', 'up', 'cpu', 'up']);
  });

  it('declines a known shape whose stream is now registered with another type, adding nothing', () => {
    const shapes = createOpenObserveShapes<string>();
    const added: string[] = [];
    const sink = { seriesOf: (s: { name: string }) => s.name, add: (s: string) => added.push(s) };
    const body = Buffer.from(
      '[{"__name__":"cpu","__type__":"gauge","value":1},{"__name__":"mem","__type__":"gauge","value":1}]',
    );
    expect(emitOpenObserveSamples(body, context(), 'acme', shapes, sink)?.samples).toBe(2);
    expect(shapes.size).toBe(2);
    added.length = 0;
    expect(
      emitOpenObserveSamples(body, context({ known: { mem: 'counter' } }), 'acme', shapes, sink),
    ).toBeUndefined();
    expect(added).toEqual([]);
    expectSameSamples(body, context({ known: { mem: 'counter' } }));
  });
});
