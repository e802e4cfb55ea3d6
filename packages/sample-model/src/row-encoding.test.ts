import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METRIC_TYPES } from './metric-type.js';
import { type SampleRow as Row, decodeSampleRows as readRows, sampleRowsError } from './row-decoding.js';
import {
  encodeSampleRows,
  METRIC_TYPE_CODES,
  SampleRowWriter,
  SeriesRowCache,
  seriesHash,
} from './row-encoding.js';
import { makeSample, type Sample } from './sample.js';
import { seriesIdOfKey, seriesKey } from './series-id.js';

const rowOf = (org: string, sample: Sample, cache?: SeriesRowCache) =>
  readRows(encodeSampleRows(org, [sample], cache));

describe('encodeSampleRows (RowBinary)', () => {
  it('writes one row in SAMPLE_ROW_COLUMNS order, tags sorted by key', () => {
    const sample = makeSample({
      name: 'cpu',
      type: 'histogram',
      tags: [
        ['z', '1'],
        ['a', 'x"y'],
      ],
      timestampUs: 1_700_000_000_123_456,
      value: 0.5,
    });
    expect(rowOf('acme', sample)).toEqual([
      {
        org: 'acme',
        name: 'cpu',
        type: 'histogram',
        series_id: seriesIdOfKey(seriesKey('acme', 'cpu', sample.tags)),
        'tags.key': ['a', 'z'],
        'tags.value': ['x"y', '1'],
        timestamp_us: 1_700_000_000_123_456,
        value: 0.5,
        dt_raw: '',
      },
    ]);
  });

  it('writes the exact bytes ClickHouse reads: lengths, Enum8, UInt64, Int64 and Float64 little-endian', () => {
    const bytes = encodeSampleRows('a', [
      makeSample({ name: 'cpu', type: 'counter', tags: [['k', 'v']], timestampUs: -2, value: 1, dtRaw: 'é' }),
    ]);
    expect(bytes.toString('hex')).toBe(
      [
        '0161', // 'a'
        '03637075', // 'cpu'
        '02', // counter
        Buffer.from(
          BigInt(seriesIdOfKey(seriesKey('a', 'cpu', [['k', 'v']])))
            .toString(16)
            .padStart(16, '0'),
          'hex',
        )
          .reverse()
          .toString('hex'),
        '01016b', // ['k']
        '010176', // ['v']
        'feffffffffffffff', // -2
        '000000000000f03f', // 1.0
        '02c3a9', // 'é'
      ].join(''),
    );
  });

  it('numbers the types as the table declares its Enum8', () => {
    expect(METRIC_TYPE_CODES).toEqual({ gauge: 1, counter: 2, histogram: 3, summary: 4 });
  });

  it('keeps what TabSeparated had to escape, and __proto__, as plain data', () => {
    const tags: [string, string][] = [
      ['__proto__', "it's"],
      ['k\\', 'a\tb\nc\rd\0e\bf\fg'],
    ];
    expect(
      rowOf(
        'o\tx',
        makeSample({
          name: 'n\nm',
          type: 'counter',
          tags,
          timestampUs: 1,
          value: -2,
          dtRaw: 'yester\tday\\',
        }),
      ),
    ).toMatchObject([
      {
        org: 'o\tx',
        name: 'n\nm',
        'tags.key': ['__proto__', 'k\\'],
        'tags.value': ["it's", 'a\tb\nc\rd\0e\bf\fg'],
      },
    ]);
  });

  it('writes lengths of 128 bytes and more in several LEB128 bytes', () => {
    const long = 'x'.repeat(300);
    const [row] = rowOf(
      'o',
      makeSample({
        name: long,
        type: 'gauge',
        tags: [[long, 'é'.repeat(70)]],
        timestampUs: 1,
        value: 1,
        dtRaw: long,
      }),
    );
    expect(row).toMatchObject({
      name: long,
      'tags.key': [long],
      'tags.value': ['é'.repeat(70)],
      dt_raw: long,
    });
  });

  it('writes every series back exactly: org, name, type, its id and its tags, however many and long', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.string({ unit: 'binary', maxLength: 150, size: 'max' }),
    );
    const utf8 = (t: string) => Buffer.from(t, 'utf8').toString('utf8');
    fc.assert(
      fc.property(
        text,
        text,
        fc.constantFrom(...METRIC_TYPES),
        fc.uniqueArray(fc.tuple(text, text), { selector: ([k]) => k, maxLength: 140, size: 'max' }),
        (org, name, type, pairs) => {
          const tags = pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
          const [row] = rowOf(org, makeSample({ name, type, tags, timestampUs: 1, value: 1, dtRaw: '' }));
          expect(row).toMatchObject({
            org: utf8(org),
            name: utf8(name),
            type,
            series_id: seriesIdOfKey(seriesKey(org, name, tags)),
            'tags.key': tags.map(([k]) => utf8(k)),
            'tags.value': tags.map(([, v]) => utf8(v)),
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('writes every timestamp, value and dt_raw back exactly, across take() and buffer growth', () => {
    const timestamp = fc.oneof(
      fc.constantFrom(0, 1, -1, 1_700_000_000_123_456, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER),
      fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
      fc.maxSafeInteger(),
    );
    const value = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom(-0, 5e-324, 1.7976931348623157e308),
      fc.maxSafeInteger(),
    );
    const dtRaw = fc.oneof(
      fc.constant(''),
      fc.string({ maxLength: 140 }),
      fc.string({ unit: 'binary', maxLength: 60 }),
    );
    const row = fc.tuple(timestamp, value, dtRaw, fc.boolean());
    fc.assert(
      fc.property(fc.array(row, { maxLength: 30 }), (rows) => {
        const cache = new SeriesRowCache();
        const writer = new SampleRowWriter(cache, 16);
        const written: Row[] = [];
        for (const [timestampUs, v, dt, cut] of rows) {
          writer.write(
            'o',
            makeSample({ name: 'n', type: 'gauge', tags: [], timestampUs, value: v, dtRaw: dt }),
          );
          if (cut) written.push(...readRows(writer.take()));
        }
        written.push(...readRows(writer.take()));
        expect(written.map((r) => [r.timestamp_us, r.value, r.dt_raw])).toEqual(
          rows.map(([ts, v, dt]) => [ts, v, Buffer.from(dt, 'utf8').toString('utf8')]),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('encodes many samples as consecutive rows, and counts them', () => {
    const s = makeSample({ name: 'a', type: 'gauge', tags: [], timestampUs: 2, value: 3 });
    expect(readRows(encodeSampleRows('o', [s, s]))).toHaveLength(2);
    const writer = new SampleRowWriter(new SeriesRowCache(), 8);
    writer.write('o', s);
    writer.write('o', s);
    expect(writer.rows).toBe(2);
    expect(writer.byteLength).toBe(encodeSampleRows('o', [s, s]).length);
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
    const first = encodeSampleRows('o', [gauge], cache);
    expect(encodeSampleRows('o', [gauge], cache)).toEqual(first);
    expect(rowOf('o', counter, cache)[0]!.type).toBe('counter');
    // Past capacity the cache starts over and still answers correctly.
    encodeSampleRows(
      'o',
      [makeSample({ name: 'n', type: 'gauge', tags: [], timestampUs: 1, value: 1 })],
      cache,
    );
    expect(encodeSampleRows('o', [gauge], cache)).toEqual(first);
    expect(readRows(first)).toMatchObject([
      { 'tags.key': ['a'], 'tags.value': ['1'], timestamp_us: 5, value: 1.5, dt_raw: 'x' },
    ]);
  });

  it('keeps series whose hashes collide apart', () => {
    const sample = (i: number) =>
      makeSample({ name: 'm', type: 'gauge', tags: [['i', String(i)]], timestampUs: 1, value: i });
    const byHash = new Map<number, number>();
    const pairs: [number, number][] = [];
    for (let i = 0; i < 100_000; i++) {
      const h = seriesHash('o', sample(i));
      const earlier = byHash.get(h);
      if (earlier !== undefined) pairs.push([earlier, i]);
      byHash.set(h, i);
    }
    // A 30-bit hash: 100 000 series are all but certain to share some (about 4.6 pairs expected).
    expect(pairs.length).toBeGreaterThan(0);
    const cache = new SeriesRowCache();
    for (const [a, b] of pairs)
      for (const i of [a, b, a, b])
        expect(rowOf('o', sample(i), cache)[0]!['tags.value']).toEqual([String(i)]);
  });
});

describe('decodeSampleRows and sampleRowsError', () => {
  const one = encodeSampleRows('o', [
    makeSample({ name: 'n', type: 'summary', tags: [['k', 'v']], timestampUs: 1, value: 2, dtRaw: 'd' }),
  ]);

  it('find rows cut short at any byte, as ClickHouse would', () => {
    for (let end = 1; end < one.length; end++) {
      expect(() => readRows(one.subarray(0, end))).toThrow();
      expect(sampleRowsError(one.subarray(0, end), 1)).toMatch(/^row 1: .* runs past the end of the rows$/);
    }
    expect(sampleRowsError(one.subarray(0, 3), 1)).toBe('row 1: name runs past the end of the rows');
    expect(sampleRowsError(one.subarray(0, one.length - 1), 1)).toBe(
      'row 1: dt_raw runs past the end of the rows',
    );
  });

  it('refuse a type code the Enum8 does not have, which ClickHouse would store', () => {
    for (const code of [0, 5, 9, 0xff]) {
      const bad = Buffer.from(one);
      bad[4] = code; // after 'o' and 'n', each a length and a byte
      expect(() => readRows(bad)).toThrow(`type code ${code} is not one`);
      expect(sampleRowsError(Buffer.concat([one, bad]), 2)).toBe(
        `row 2: type code ${code} is not one of the Enum8's`,
      );
    }
  });

  it('check the count of whole rows against the header', () => {
    const two = Buffer.concat([one, one]);
    expect(sampleRowsError(two, 2)).toBeUndefined();
    expect(sampleRowsError(two, 3)).toBe('holds 2 rows, not the 3 its header says');
    expect(sampleRowsError(Buffer.alloc(0), 0)).toBeUndefined();
  });

  it('accept exactly what the encoder writes, and what decodes', () => {
    const row = fc.record({
      name: fc.string({ unit: 'binary', maxLength: 200 }),
      type: fc.constantFrom(...METRIC_TYPES),
      tags: fc.array(fc.tuple(fc.string({ maxLength: 150 }), fc.string({ unit: 'binary' })), {
        maxLength: 4,
      }),
      timestampUs: fc.maxSafeInteger(),
      value: fc.double({ noNaN: true, noDefaultInfinity: true }),
      dtRaw: fc.string({ maxLength: 140 }),
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 20 }), fc.nat(), (fields, cut) => {
        const rows = encodeSampleRows('org', fields.map(makeSample), new SeriesRowCache());
        expect(sampleRowsError(rows, fields.length)).toBeUndefined();
        expect(readRows(rows)).toHaveLength(fields.length);
        // Cut anywhere inside: both see it.
        if (rows.length === 0) return;
        const short = rows.subarray(0, cut % rows.length);
        let decoded: number | undefined;
        try {
          decoded = readRows(short).length;
        } catch {
          decoded = undefined;
        }
        if (decoded === undefined) expect(sampleRowsError(short, fields.length)).toMatch(/runs past the end/);
        else expect(sampleRowsError(short, decoded)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});
