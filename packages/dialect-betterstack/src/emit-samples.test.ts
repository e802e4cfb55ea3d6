import { encode } from '@msgpack/msgpack';
import { RecordShapes } from '@pipeline/record-shapes';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BodyFormat } from './content-type.js';
import { emitBetterStackSamples } from './emit-samples.js';
import { expectSameSamples } from './emit-test-support.js';

const RECEIVED_US = 1_700_000_000_000_000;
const ctx = {
  receivedAtUs: RECEIVED_US,
  window: { maxAgeUs: 15 * 60 * 1_000_000, maxFutureUs: 3600 * 1_000_000 },
};

type Values = () => number;

// Records as clients build them, valid, with their values drawn from `next` so that the same
// record can be written again with other values (the same shape).
interface RecordPlan {
  name: string;
  kind: 'gauge' | 'counter' | 'histogram' | 'summary';
  bounds: (number | string)[];
  tags: Record<string, string | number | boolean> | null | undefined;
}

function recordOf(plan: RecordPlan, next: Values, dt: unknown): Record<string, unknown> {
  const record: Record<string, unknown> = { name: plan.name };
  if (plan.kind === 'gauge' || plan.kind === 'counter') record[plan.kind] = { value: next() };
  else if (plan.kind === 'histogram')
    record.histogram = {
      count: next(),
      sum: next(),
      buckets: plan.bounds.map((upper_limit) => ({ upper_limit, count: next() })),
    };
  else
    record.summary = {
      // A quantile is a finite number ("+Inf" is a bucket's bound only).
      quantiles: plan.bounds.map((q) => ({ quantile: typeof q === 'string' ? 0.99 : q, value: next() })),
      sum: next(),
      count: next(),
    };
  if (plan.tags !== undefined) record.tags = plan.tags;
  if (dt !== undefined) record.dt = dt;
  return record;
}

const plan: fc.Arbitrary<RecordPlan> = fc.record({
  name: fc.string({ minLength: 1, unit: 'grapheme' }),
  kind: fc.constantFrom('gauge', 'counter', 'histogram', 'summary'),
  bounds: fc.array(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant('+Inf')), {
    maxLength: 5,
  }),
  tags: fc.option(
    fc.dictionary(
      fc.string({ unit: 'grapheme' }).filter((k) => k !== '__proto__'),
      fc.oneof(fc.string({ unit: 'grapheme' }), fc.integer(), fc.boolean()),
      { maxKeys: 4 },
    ),
    { nil: undefined },
  ),
});
const finite = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constant(-0));
const dt = fc.option(
  fc.oneof(
    fc
      .integer({ min: RECEIVED_US / 1000 - 600_000, max: RECEIVED_US / 1000 + 600_000 })
      .map((ms) => new Date(ms).toISOString()),
    fc.integer({ min: RECEIVED_US / 1e6 - 600, max: RECEIVED_US / 1e6 + 600 }),
    fc.constantFrom(null, 'not a time'),
  ),
  { nil: undefined },
);

function bodyOf(records: Record<string, unknown>[], format: BodyFormat): Buffer {
  if (format === 'msgpack') return Buffer.from(encode(records));
  if (format === 'ndjson') return Buffer.from(records.map((r) => JSON.stringify(r)).join('\n'));
  return Buffer.from(JSON.stringify(records));
}

describe('emitBetterStackSamples: the normalizer reads known record shapes from their bytes', () => {
  it('gives the full path’s samples for new shapes and for known shapes with new values and times', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(plan, dt, dt), { minLength: 1, maxLength: 6 }),
        fc.array(finite, { minLength: 200, maxLength: 200 }),
        fc.constantFrom<BodyFormat>('json', 'ndjson', 'msgpack'),
        (plans, numbers, format) => {
          const shapes = new RecordShapes<never>();
          let i = 0;
          const next = () => numbers[i++ % numbers.length]!;
          const first = bodyOf(
            plans.map(([p, dt1]) => recordOf(p, next, dt1)),
            format,
          );
          expect(expectSameSamples(first, format, ctx, shapes)).toBeDefined();
          const known = shapes.size;
          // The same records with other values and times: every shape is known, none is added.
          // (A record without dt has another shape than one with a dt, even null.)
          const again = bodyOf(
            plans.map(([p, dt1, dt2]) => recordOf(p, next, dt1 === undefined ? undefined : (dt2 ?? null))),
            format,
          );
          expect(expectSameSamples(again, format, ctx, shapes)).toBeDefined();
          expect(shapes.size).toBe(known);
        },
      ),
      { numRuns: 1500 },
    );
    // ~2.5 s on the slower 2-core machines here: room past vitest's default 5 s.
  }, 30_000);

  it('reads a known shape without decoding the record', () => {
    const shapes = new RecordShapes<string>();
    const sink = { seriesOf: (s: { name: string }) => s.name, add: () => {} };
    const body = (value: number, dtText: string) =>
      Buffer.from(
        `[{"name":"cpu","gauge":{"value":${value}},"tags":{"host":"a"},"dt":"${dtText}"},` +
          `{"name":"lat","histogram":{"count":${value},"sum":2,"buckets":[{"upper_limit":0.5,"count":${value}}]}}]`,
      );
    expect(emitBetterStackSamples(body(1, '2023-11-14T22:13:20Z'), 'json', ctx, 'acme', shapes, sink)).toBe(
      4,
    );
    const parse = JSON.parse;
    let parsed = 0;
    JSON.parse = (...args: Parameters<typeof JSON.parse>) => {
      parsed++;
      return parse(...args);
    };
    try {
      expect(
        emitBetterStackSamples(body(12.25, '2023-11-14T22:13:21Z'), 'json', ctx, 'acme', shapes, sink),
      ).toBe(4);
    } finally {
      JSON.parse = parse;
    }
    expect(parsed).toBe(0);
  });

  it('tells apart shapes that differ in one byte, and orgs', () => {
    const shapes = new RecordShapes<string>();
    const series: string[] = [];
    const sink = (org: string) => ({
      seriesOf: (s: { name: string; tags: readonly (readonly [string, string])[] }) =>
        `${org}/${s.name}/${s.tags.map((t) => t.join('=')).join(',')}`,
      add: (s: string) => series.push(s),
    });
    const body = (host: string) =>
      Buffer.from(`{"name":"cpu","gauge":{"value":1},"tags":{"host":"${host}"}}`);
    emitBetterStackSamples(body('a1'), 'json', ctx, 'acme', shapes, sink('acme'));
    emitBetterStackSamples(body('a2'), 'json', ctx, 'acme', shapes, sink('acme'));
    emitBetterStackSamples(body('a1'), 'json', ctx, 'other', shapes, sink('other'));
    emitBetterStackSamples(body('a1'), 'json', ctx, 'acme', shapes, sink('acme'));
    expect(series).toEqual(['acme/cpu/host=a1', 'acme/cpu/host=a2', 'other/cpu/host=a1', 'acme/cpu/host=a1']);
    expect(shapes.size).toBe(3);
  });

  it('declines a body with an invalid record, adding nothing', () => {
    const added: number[] = [];
    const sink = { seriesOf: () => 0, add: (_s: number, _t: number, value: number) => added.push(value) };
    const text = '[{"name":"a","gauge":{"value":1}},{"name":"","gauge":{"value":2}}]';
    expect(
      emitBetterStackSamples(Buffer.from(text), 'json', ctx, 'acme', new RecordShapes(), sink),
    ).toBeUndefined();
    expect(
      emitBetterStackSamples(Buffer.from('[]'), 'json', ctx, 'acme', new RecordShapes(), sink),
    ).toBeUndefined();
    expect(added).toEqual([]);
  });

  it('leaves bodies of ever-new series to the full path once its shapes stop paying, and probes', () => {
    const shapes = new RecordShapes<never>(10);
    let serial = 0;
    const body = () =>
      Buffer.from(
        JSON.stringify(
          Array.from({ length: 4 }, () => ({
            name: 'req',
            gauge: { value: 1 },
            tags: { id: `r${serial++}` },
          })),
        ),
      );
    // Shapes for 12 records, none found again: the map (10 series) is dropped unused.
    for (let i = 0; i < 3; i++) expect(expectSameSamples(body(), 'json', ctx, shapes)).toBe(4);
    const taken = Array.from({ length: 32 }, () => expectSameSamples(body(), 'json', ctx, shapes));
    expect(taken.filter((n) => n !== undefined)).toHaveLength(2);
  });

  it('keeps the time of each record: its dt, or the reception time', () => {
    const times: number[] = [];
    const sink = { seriesOf: () => 0, add: (_s: number, t: number) => times.push(t) };
    const shapes = new RecordShapes<number>();
    const body = (dt: string) => Buffer.from(`[{"name":"a","gauge":{"value":1}${dt}}]`);
    emitBetterStackSamples(body(',"dt":1700000001'), 'json', ctx, 'acme', shapes, sink);
    emitBetterStackSamples(body(',"dt":1700000002'), 'json', ctx, 'acme', shapes, sink);
    emitBetterStackSamples(body(',"dt":null'), 'json', ctx, 'acme', shapes, sink);
    emitBetterStackSamples(body(''), 'json', ctx, 'acme', shapes, sink);
    expect(times).toEqual([1_700_000_001_000_000, 1_700_000_002_000_000, RECEIVED_US, RECEIVED_US]);
    expect(shapes.size).toBe(2);
  });
});
