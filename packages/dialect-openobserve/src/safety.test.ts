import type { MetricType } from '@pipeline/sample-model';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { processOpenObservePayload } from './process-payload.js';
import { context } from './test-support.js';
import type { PayloadResult } from './types.js';

// fromEntries, so '__proto__' is an own entry of the registry rather than a prototype.
const known = Object.fromEntries<MetricType>([
  ['cpu', 'gauge'],
  ['__proto__', 'counter'],
  ['constructor', 'summary'],
]);
const ctx = context({ known, maxFields: 20 });

const TRICKY_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'polluted',
  '__name__',
  '__type__',
  'value',
  '_timestamp',
  '@timestamp',
  'le',
  'quantile',
];

const key = fc.oneof(fc.constantFrom(...TRICKY_KEYS), fc.string({ maxLength: 8 }));
const typeText = fc.constantFrom('counter', 'gauge', 'guage', 'histogram', 'summary', 'GAUGE', 'nope');
const fieldValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  typeText,
  fc.constantFrom('__proto__', 'cpu', 'constructor'),
  fc.double(),
  fc.integer(),
);
const entries = fc.array(
  fc.tuple(key, fc.oneof(fieldValue, fc.dictionary(key, fieldValue, { maxKeys: 3 }))),
  {
    maxLength: 12,
  },
);
/** Records that mostly pass, so the success paths (samples, registrations, summaries) are exercised too. */
const plausibleEntries = fc
  .tuple(
    fc.constantFrom('cpu', 'mem', '__proto__', 'constructor', 'toString', 'rq', 'HTTP.rq'),
    typeText,
    fc.option(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer()), {
      nil: undefined,
    }),
    fc.option(fc.constantFrom(0, 1690129406, 1690129406888, 1690129406888123, -5, '1'), { nil: undefined }),
    entries,
  )
  .map(([name, type, value, timestamp, extra]) => {
    const head: [string, unknown][] = [
      ['__name__', name],
      ['__type__', type],
    ];
    if (value !== undefined) head.push(['value', value]);
    if (timestamp !== undefined) head.push(['_timestamp', timestamp]);
    return [...head, ...extra];
  });
/** Object text written by hand, so `__proto__` really is in the body (an object literal would not carry it). */
const recordText = fc
  .oneof(entries, plausibleEntries)
  .map(
    (fields) =>
      `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`,
  );
const body = fc.oneof(
  fc.array(recordText, { maxLength: 8 }).map((records) => `[${records.join(',')}]`),
  fc.array(recordText, { maxLength: 8 }).map((records) => records.join('\n')),
);

function process(bytes: Uint8Array | string): PayloadResult {
  return processOpenObservePayload(Buffer.from(bytes as string), ctx);
}

/** Invariants every processed payload holds, whatever the input. */
function checkConsistent(result: PayloadResult): void {
  if (!result.ok) {
    expect(typeof result.error).toBe('string');
    return;
  }
  const successful = result.streams.reduce((n, s) => n + s.successful, 0);
  const failed = result.streams.reduce((n, s) => n + s.failed, 0);
  expect(successful + failed).toBe(result.records);
  expect(result.rejected).toHaveLength(failed);
  expect(result.samples.length).toBeLessThanOrEqual(successful);
  for (const status of result.streams) expect(status.error !== undefined).toBe(status.failed > 0);
  for (const sample of result.samples) {
    expect(Number.isFinite(sample.value)).toBe(true);
    expect(Number.isSafeInteger(sample.timestampUs)).toBe(true);
    for (let i = 1; i < sample.tags.length; i++)
      expect(sample.tags[i - 1]![0] < sample.tags[i]![0]).toBe(true);
  }
}

afterEach(() => {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.keys(Object.prototype)).toHaveLength(0);
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(OBJECT_PROTOTYPE_NAMES);
});
const OBJECT_PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).sort();

describe('any input', () => {
  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        checkConsistent(process(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary JSON values, alone or as a record list', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        checkConsistent(process(text));
        checkConsistent(process(`[${text}]`));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on whatever fc.anything gives JSON.stringify', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        checkConsistent(process(JSON.stringify(value) ?? 'null'));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on records with tricky keys, and gives the same result twice', () => {
    fc.assert(
      fc.property(body, (text) => {
        const first = process(text);
        checkConsistent(first);
        expect(process(text)).toEqual(first);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives the same statuses, rejections and registrations in status-only mode, without samples', () => {
    fc.assert(
      fc.property(body, (text) => {
        const full = process(text);
        const statusOnly = processOpenObservePayload(Buffer.from(text), { ...ctx, statusOnly: true });
        if (!full.ok || !statusOnly.ok) {
          expect(statusOnly).toEqual(full);
          return;
        }
        expect(statusOnly).toEqual({ ...full, samples: [] });
      }),
      { numRuns: 1000 },
    );
  });

  it('never lets a record touch Object.prototype', () => {
    const result = process(
      '[{"__name__":"__proto__","__type__":"counter","value":1,"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}]',
    );
    expect(result.ok && result.samples[0]?.tags).toEqual([
      ['__proto___polluted', '1'],
      ['constructor_prototype_polluted', '1'],
    ]);
    expect(result.ok && result.registrations).toEqual([]);
  });
});
