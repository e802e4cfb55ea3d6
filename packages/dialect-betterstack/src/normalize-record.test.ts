import { describe, expect, it } from 'vitest';
import { MsgpackTimestamp } from './msgpack-codec.js';
import { type BetterStackContext, normalizeBetterStackRecord } from './normalize-record.js';

const RECEIVED_US = 1_700_000_000_000_000;
const off: BetterStackContext = { receivedAtUs: RECEIVED_US, window: { maxAgeUs: 0, maxFutureUs: 0 } };
const defaults: BetterStackContext = {
  receivedAtUs: RECEIVED_US,
  window: { maxAgeUs: 15 * 60 * 1_000_000, maxFutureUs: 3600 * 1_000_000 },
};

const gauge = { name: 'm', gauge: { value: 1 } };
const histogram = (buckets: unknown, extra: Record<string, unknown> = {}) => ({
  name: 'h',
  histogram: { count: 3, sum: 1.5, buckets, ...extra },
});
const summary = (quantiles: unknown, extra: Record<string, unknown> = {}) => ({
  name: 's',
  summary: { count: 3, sum: 1.5, quantiles, ...extra },
});

function samplesOf(record: unknown, ctx = off) {
  const result = normalizeBetterStackRecord(record, ctx);
  if (!result.ok) throw new Error(`expected ok, got: ${result.reason}`);
  return result.samples;
}

describe('normalizeBetterStackRecord: every rejection reason', () => {
  const longKey = 'k'.repeat(150);
  it.each<[string, unknown, string]>([
    ['null record', null, 'record must be an object (found: null)'],
    ['number record', 5, 'record must be an object (found: number)'],
    ['string record', 'm', 'record must be an object (found: string)'],
    ['array record', [gauge], 'record must be an object (found: array)'],
    ['boolean record', true, 'record must be an object (found: boolean)'],
    ['binary record', Uint8Array.of(1), 'record must be an object (found: binary)'],
    ['timestamp record', new MsgpackTimestamp(1, ''), 'record must be an object (found: timestamp)'],
    ['missing name', { gauge: { value: 1 } }, 'name is required and must be a non-empty string'],
    ['empty name', { name: '', gauge: { value: 1 } }, 'name is required and must be a non-empty string'],
    ['numeric name', { name: 5, gauge: { value: 1 } }, 'name is required and must be a non-empty string'],
    ['no kind', { name: 'm' }, 'exactly one of gauge, counter, histogram, summary is required (found: none)'],
    [
      'only null kinds',
      { name: 'm', gauge: null, counter: null },
      'exactly one of gauge, counter, histogram, summary is required (found: none)',
    ],
    [
      'gauge and counter',
      { name: 'm', gauge: { value: 1 }, counter: { value: 1 } },
      'exactly one of gauge, counter, histogram, summary is required (found: gauge, counter)',
    ],
    [
      'all four',
      { name: 'm', summary: {}, histogram: {}, counter: {}, gauge: {} },
      'exactly one of gauge, counter, histogram, summary is required (found: gauge, counter, histogram, summary)',
    ],
    ['gauge not an object', { name: 'm', gauge: 5 }, 'gauge must be an object with a value'],
    ['gauge an array', { name: 'm', gauge: [5] }, 'gauge must be an object with a value'],
    ['gauge without value', { name: 'm', gauge: {} }, 'gauge.value must be a finite number'],
    ['gauge value null', { name: 'm', gauge: { value: null } }, 'gauge.value must be a finite number'],
    ['gauge value string', { name: 'm', gauge: { value: '1' } }, 'gauge.value must be a finite number'],
    ['gauge value NaN', { name: 'm', gauge: { value: Number.NaN } }, 'gauge.value must be a finite number'],
    [
      'gauge value Infinity',
      { name: 'm', gauge: { value: Number.POSITIVE_INFINITY } },
      'gauge.value must be a finite number',
    ],
    ['gauge value boolean', { name: 'm', gauge: { value: true } }, 'gauge.value must be a finite number'],
    ['counter not an object', { name: 'm', counter: 'x' }, 'counter must be an object with a value'],
    [
      'counter value -Infinity',
      { name: 'm', counter: { value: Number.NEGATIVE_INFINITY } },
      'counter.value must be a finite number',
    ],
    [
      'histogram not an object',
      { name: 'h', histogram: 1 },
      'histogram must be an object with count, sum and buckets',
    ],
    [
      'histogram count missing',
      { name: 'h', histogram: { sum: 1, buckets: [] } },
      'histogram.count must be a finite number',
    ],
    ['histogram count string', histogram([], { count: '3' }), 'histogram.count must be a finite number'],
    ['histogram sum NaN', histogram([], { sum: Number.NaN }), 'histogram.sum must be a finite number'],
    [
      'histogram buckets missing',
      { name: 'h', histogram: { count: 1, sum: 1 } },
      'histogram.buckets must be an array',
    ],
    [
      'histogram buckets an object',
      histogram({ 0: { upper_limit: 1, count: 1 } }),
      'histogram.buckets must be an array',
    ],
    [
      'bucket not an object',
      histogram([{ upper_limit: 1, count: 1 }, 5]),
      'histogram.buckets[1] must be an object with upper_limit and count',
    ],
    [
      'bucket upper_limit missing',
      histogram([{ count: 1 }]),
      'histogram.buckets[0].upper_limit must be a finite number or "+Inf"',
    ],
    [
      'bucket upper_limit a word',
      histogram([{ upper_limit: 'infinity', count: 1 }]),
      'histogram.buckets[0].upper_limit must be a finite number or "+Inf"',
    ],
    [
      'bucket upper_limit -inf',
      histogram([{ upper_limit: '-inf', count: 1 }]),
      'histogram.buckets[0].upper_limit must be a finite number or "+Inf"',
    ],
    [
      'bucket upper_limit a numeric string',
      histogram([{ upper_limit: '0.5', count: 1 }]),
      'histogram.buckets[0].upper_limit must be a finite number or "+Inf"',
    ],
    [
      'bucket upper_limit NaN',
      histogram([{ upper_limit: Number.NaN, count: 1 }]),
      'histogram.buckets[0].upper_limit must be a finite number or "+Inf"',
    ],
    [
      'bucket upper_limit -Infinity',
      histogram([{ upper_limit: Number.NEGATIVE_INFINITY, count: 1 }]),
      'histogram.buckets[0].upper_limit must be a finite number or "+Inf"',
    ],
    [
      'bucket count Infinity',
      histogram([
        { upper_limit: 1, count: 1 },
        { upper_limit: 2, count: 1 },
        { upper_limit: 3, count: Number.POSITIVE_INFINITY },
      ]),
      'histogram.buckets[2].count must be a finite number',
    ],
    [
      'bucket count null',
      histogram([{ upper_limit: 1, count: null }]),
      'histogram.buckets[0].count must be a finite number',
    ],
    [
      'summary not an object',
      { name: 's', summary: [] },
      'summary must be an object with count, sum and quantiles',
    ],
    ['summary count null', summary([], { count: null }), 'summary.count must be a finite number'],
    [
      'summary sum missing',
      { name: 's', summary: { count: 1, quantiles: [] } },
      'summary.sum must be a finite number',
    ],
    [
      'summary quantiles missing',
      { name: 's', summary: { count: 1, sum: 1 } },
      'summary.quantiles must be an array',
    ],
    [
      'quantile point not an object',
      summary(['0.5']),
      'summary.quantiles[0] must be an object with quantile and value',
    ],
    [
      'quantile a string',
      summary([{ quantile: '0.5', value: 1 }]),
      'summary.quantiles[0].quantile must be a finite number',
    ],
    [
      'quantile value Infinity',
      summary([
        { quantile: 0.5, value: 1 },
        { quantile: 0.9, value: Number.POSITIVE_INFINITY },
      ]),
      'summary.quantiles[1].value must be a finite number',
    ],
    ['tags an array', { ...gauge, tags: ['a'] }, 'tags must be an object of string values'],
    ['tags a string', { ...gauge, tags: 'env=prod' }, 'tags must be an object of string values'],
    [
      'tag value null',
      { ...gauge, tags: { host: 'a', env: null } },
      'tags.env must be a string, number or boolean',
    ],
    [
      'tag value object',
      { ...gauge, tags: { env: { x: 1 } } },
      'tags.env must be a string, number or boolean',
    ],
    ['tag value array', { ...gauge, tags: { env: ['a'] } }, 'tags.env must be a string, number or boolean'],
    [
      'tag value under __proto__',
      { ...gauge, tags: JSON.parse('{"__proto__":{"x":1}}') },
      'tags.__proto__ must be a string, number or boolean',
    ],
    [
      'tag with a huge key',
      { ...gauge, tags: { [longKey]: [] } },
      `tags.${'k'.repeat(100)}… must be a string, number or boolean`,
    ],
  ])('%s', (_label, record, reason) => {
    expect(normalizeBetterStackRecord(record, off)).toEqual({ ok: false, reason });
  });

  it.each<[string, number, string]>([
    [
      'past',
      RECEIVED_US - 15 * 60 * 1_000_000 - 1,
      'timestamp 2023-11-14T21:58:19.999Z is more than 15 min in the past',
    ],
    [
      'future',
      RECEIVED_US + 3600 * 1_000_000 + 1,
      'timestamp 2023-11-14T23:13:20.000Z is more than 1 h in the future',
    ],
  ])('time window: %s', (_label, dtUs, reason) => {
    expect(normalizeBetterStackRecord({ ...gauge, dt: dtUs }, defaults)).toEqual({ ok: false, reason });
  });

  it('checks name, then kind, then values, then tags, then time', () => {
    const bad = { name: '', gauge: { value: 'x' }, counter: {}, tags: 5, dt: 1 };
    expect(normalizeBetterStackRecord(bad, defaults)).toMatchObject({ reason: /^name/ });
    expect(normalizeBetterStackRecord({ ...bad, name: 'm' }, defaults)).toMatchObject({
      reason: /^exactly one/,
    });
    const { counter: _, ...oneKind } = { ...bad, name: 'm' };
    expect(normalizeBetterStackRecord(oneKind, defaults)).toMatchObject({ reason: /^gauge\.value/ });
    expect(normalizeBetterStackRecord({ ...oneKind, gauge: { value: 1 } }, defaults)).toMatchObject({
      reason: /^tags/,
    });
    expect(normalizeBetterStackRecord({ ...oneKind, gauge: { value: 1 }, tags: {} }, defaults)).toMatchObject(
      {
        reason: /^timestamp/,
      },
    );
  });
});

describe('normalizeBetterStackRecord: accepted records', () => {
  it('a kind set to null counts as absent', () => {
    expect(samplesOf({ name: 'm', gauge: null, counter: { value: 2 }, histogram: null })).toEqual([
      { name: 'm', type: 'counter', tags: [], timestampUs: RECEIVED_US, value: 2, dtRaw: '' },
    ]);
  });

  it('ignores fields it does not know', () => {
    expect(samplesOf({ ...gauge, unit: 'bytes', gauge: { value: 1, unit: 'x' } })).toHaveLength(1);
  });

  it('tags: null means no tags', () => {
    expect(samplesOf({ ...gauge, tags: null })[0]?.tags).toEqual([]);
  });

  it('turns number, boolean and bigint tag values into their text', () => {
    const tags = { i: 42, f: 1.5, t: true, n: false, big: 12345678901234567890n, s: 'x', e: '' };
    expect(samplesOf({ ...gauge, tags })[0]?.tags).toEqual([
      ['big', '12345678901234567890'],
      ['e', ''],
      ['f', '1.5'],
      ['i', '42'],
      ['n', 'false'],
      ['s', 'x'],
      ['t', 'true'],
    ]);
  });

  it('keeps __proto__, constructor and prototype as ordinary labels', () => {
    const tags = JSON.parse('{"constructor":"c","__proto__":"p","prototype":"q","toString":"t"}');
    expect(samplesOf({ ...gauge, tags })[0]?.tags).toEqual([
      ['__proto__', 'p'],
      ['constructor', 'c'],
      ['prototype', 'q'],
      ['toString', 't'],
    ]);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('converts bigint values (MessagePack int64) to numbers', () => {
    expect(samplesOf({ name: 'm', counter: { value: 2n ** 40n } })[0]?.value).toBe(2 ** 40);
    const h = samplesOf({
      name: 'h',
      histogram: { count: 3n, sum: 4n, buckets: [{ upper_limit: 10n, count: 3n }] },
    });
    expect(h.map((s) => [s.name, s.tags, s.value])).toEqual([
      ['h', [['upper_limit', '10']], 3],
      ['h_sum', [], 4],
      ['h_count', [], 3],
    ]);
  });

  it.each<[unknown, string]>([
    ['inf', '+Inf'],
    ['+inf', '+Inf'],
    ['+Inf', '+Inf'],
    ['Inf', '+Inf'],
    ['INF', '+Inf'],
    ['+INF', '+Inf'],
    [Number.POSITIVE_INFINITY, '+Inf'],
    [0.1, '0.1'],
    [1.0, '1'],
    [0, '0'],
    [-5, '-5'],
    [2.5e-7, '2.5e-7'],
    [1e21, '1e+21'],
  ])('upper_limit %s is stored as %j', (upperLimit, text) => {
    const [bucket] = samplesOf(histogram([{ upper_limit: upperLimit, count: 1 }]));
    expect(bucket?.tags).toEqual([['upper_limit', text]]);
  });

  it.each<[number | bigint, string]>([
    [0.5, '0.5'],
    [0.99, '0.99'],
    [1, '1'],
    [0, '0'],
    [1n, '1'],
  ])('quantile %s is stored as %j', (quantile, text) => {
    const [point] = samplesOf(summary([{ quantile, value: 7 }]));
    expect(point).toMatchObject({ name: 's', type: 'summary', tags: [['quantile', text]], value: 7 });
  });

  it('user tags apply to every expanded sample; the expansion tag wins over a user tag of its key', () => {
    const record = {
      name: 'h',
      histogram: { count: 2, sum: 3, buckets: [{ upper_limit: 1, count: 2 }] },
      tags: { zone: 'z', upper_limit: 'mine', app: 'a' },
    };
    expect(samplesOf(record).map((s) => [s.name, s.tags])).toEqual([
      [
        'h',
        [
          ['app', 'a'],
          ['upper_limit', '1'],
          ['zone', 'z'],
        ],
      ],
      [
        'h_sum',
        [
          ['app', 'a'],
          ['upper_limit', 'mine'],
          ['zone', 'z'],
        ],
      ],
      [
        'h_count',
        [
          ['app', 'a'],
          ['upper_limit', 'mine'],
          ['zone', 'z'],
        ],
      ],
    ]);
    const s = samplesOf({ ...summary([{ quantile: 0.5, value: 1 }]), tags: { quantile: 'mine' } });
    expect(s[0]?.tags).toEqual([['quantile', '0.5']]);
  });

  it('a histogram without buckets still gives _sum and _count', () => {
    expect(samplesOf(histogram([])).map((s) => [s.name, s.type, s.value])).toEqual([
      ['h_sum', 'histogram', 1.5],
      ['h_count', 'histogram', 3],
    ]);
  });

  it('an unparsable dt keeps the record at reception time and puts the text on every sample', () => {
    const samples = samplesOf({ ...histogram([{ upper_limit: 1, count: 1 }]), dt: 'last tuesday' }, defaults);
    expect(samples).toHaveLength(3);
    for (const s of samples) expect(s).toMatchObject({ timestampUs: RECEIVED_US, dtRaw: 'last tuesday' });
  });

  it.each<[string, unknown, string]>([
    ['an object', { sec: 1 }, '{"sec":1}'],
    ['a boolean', false, 'false'],
  ])('a dt that is %s is kept as JSON text', (_label, dt, raw) => {
    expect(samplesOf({ ...gauge, dt }, defaults)[0]).toMatchObject({ timestampUs: RECEIVED_US, dtRaw: raw });
  });

  it('a failure after valid buckets yields no partial samples', () => {
    const result = normalizeBetterStackRecord(
      histogram([
        { upper_limit: 1, count: 1 },
        { upper_limit: 2, count: 'x' },
      ]),
      off,
    );
    expect(result).toEqual({ ok: false, reason: 'histogram.buckets[1].count must be a finite number' });
  });

  it('does not modify the record', () => {
    const record = {
      name: 'h',
      histogram: { count: 1, sum: 1, buckets: [{ upper_limit: 'inf', count: 1 }] },
      tags: { b: 1 },
    };
    const copy = structuredClone(record);
    samplesOf(record);
    expect(record).toEqual(copy);
  });
});
