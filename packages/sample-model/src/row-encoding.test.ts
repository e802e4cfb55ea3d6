import { describe, expect, it } from 'vitest';
import { encodeSampleRow, encodeSampleRows, SeriesRowCache } from './row-encoding.js';
import { makeSample } from './sample.js';

describe('encodeSampleRow', () => {
  it('writes one JSONEachRow line with nested tag arrays in key order', () => {
    const line = encodeSampleRow(
      'acme',
      makeSample({
        name: 'cpu',
        type: 'gauge',
        tags: [
          ['z', '1'],
          ['a', 'x"y'],
        ],
        timestampUs: 1_700_000_000_123_456,
        value: 0.5,
      }),
    );
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toEqual({
      org: 'acme',
      name: 'cpu',
      type: 'gauge',
      series_id: expect.any(Number),
      'tags.key': ['a', 'z'],
      'tags.value': ['x"y', '1'],
      timestamp_us: 1_700_000_000_123_456,
      value: 0.5,
      dt_raw: '',
    });
  });

  it('writes series_id as an exact unsigned 64-bit integer', () => {
    const line = encodeSampleRow(
      'a',
      makeSample({ name: 'cpu', type: 'gauge', tags: [], timestampUs: 1, value: 1 }),
    );
    expect(line).toContain('"series_id":3700684380794049264,');
  });

  it('keeps dt_raw and a __proto__ label as plain data', () => {
    const row = JSON.parse(
      encodeSampleRow(
        'o',
        makeSample({
          name: 'n',
          type: 'counter',
          tags: [['__proto__', 'p']],
          timestampUs: 1,
          value: -2,
          dtRaw: 'yesterday',
        }),
      ),
    );
    expect(row['tags.key']).toEqual(['__proto__']);
    expect(row.dt_raw).toBe('yesterday');
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
  });

  it('encodes many samples as consecutive lines', () => {
    const s = makeSample({ name: 'a', type: 'gauge', tags: [], timestampUs: 2, value: 3 });
    const text = encodeSampleRows('o', [s, s]);
    expect(text.split('\n')).toHaveLength(3);
  });

  it('gives the same row from a cached prefix, and keeps series of different types apart', () => {
    const cache = new SeriesRowCache(2);
    const gauge = makeSample({
      name: 'm',
      type: 'gauge',
      tags: [['a', '1']],
      timestampUs: 5,
      value: 1.5,
      dtRaw: 'x',
    });
    const counter = makeSample({ name: 'm', type: 'counter', tags: [['a', '1']], timestampUs: 6, value: 2 });
    const first = encodeSampleRow('o', gauge, cache);
    expect(encodeSampleRow('o', gauge, cache)).toBe(first);
    expect(JSON.parse(encodeSampleRow('o', counter, cache)).type).toBe('counter');
    // Past capacity the cache starts over and still answers correctly.
    encodeSampleRow('o', makeSample({ name: 'n', type: 'gauge', tags: [], timestampUs: 1, value: 1 }), cache);
    expect(encodeSampleRow('o', gauge, cache)).toBe(first);
    expect(JSON.parse(first)).toMatchObject({ timestamp_us: 5, value: 1.5, dt_raw: 'x', 'tags.key': ['a'] });
  });
});
