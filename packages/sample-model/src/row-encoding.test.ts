import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeSampleRow,
  encodeSampleRows,
  SampleRowWriter,
  SeriesRowCache,
  seriesHash,
  tsvArray,
  tsvField,
} from './row-encoding.js';
import { makeSample } from './sample.js';
import { seriesIdOfKey, seriesKey } from './series-id.js';

describe('encodeSampleRow (TabSeparated)', () => {
  it('writes one row in SAMPLE_ROW_COLUMNS order, tags sorted by key', () => {
    const sample = makeSample({
      name: 'cpu',
      type: 'gauge',
      tags: [
        ['z', '1'],
        ['a', 'x"y'],
      ],
      timestampUs: 1_700_000_000_123_456,
      value: 0.5,
    });
    const id = seriesIdOfKey(seriesKey('acme', 'cpu', sample.tags));
    expect(encodeSampleRow('acme', sample)).toBe(
      `acme\tcpu\tgauge\t${id}\t['a','z']\t['x"y','1']\t1700000000123456\t0.5\t\n`,
    );
  });

  it('writes series_id as an exact unsigned 64-bit integer', () => {
    const line = encodeSampleRow(
      'a',
      makeSample({ name: 'cpu', type: 'gauge', tags: [], timestampUs: 1, value: 1 }),
    );
    expect(line).toBe('a\tcpu\tgauge\t3700684380794049264\t[]\t[]\t1\t1\t\n');
  });

  it('escapes what would end a field or an array element, and keeps __proto__ as plain data', () => {
    const line = encodeSampleRow(
      'o\tx',
      makeSample({
        name: 'n\nm',
        type: 'counter',
        tags: [
          ['__proto__', "it's"],
          ['k\\', 'a\tb\nc\rd\0e\bf\fg'],
        ],
        timestampUs: 1,
        value: -2,
        dtRaw: 'yester\tday\\',
      }),
    );
    const fields = line.slice(0, -1).split('\t');
    expect(fields).toHaveLength(9);
    expect(fields.slice(0, 3)).toEqual(['o\\tx', 'n\\nm', 'counter']);
    expect(fields[4]).toBe("['__proto__','k\\\\']");
    expect(fields[5]).toBe("['it\\'s','a\\tb\\nc\\rd\\0e\\bf\\fg']");
    expect(fields.slice(6)).toEqual(['1', '-2', 'yester\\tday\\\\']);
  });

  it('writes numbers as JavaScript prints them, which ClickHouse reads back exactly', () => {
    const row = (value: number) =>
      encodeSampleRow('o', makeSample({ name: 'n', type: 'gauge', tags: [], timestampUs: 1, value }))
        .slice(0, -1)
        .split('\t')[7];
    expect([0.1, 1e21, 5e-324, -0, 1.7976931348623157e308].map(row)).toEqual([
      '0.1',
      '1e+21',
      '5e-324',
      '0',
      '1.7976931348623157e+308',
    ]);
  });

  it('writes the timestamp and value of each row as String() does, repeated timestamps and all', () => {
    // The writer keeps the last timestamp's digits: runs of one timestamp, changes, returns to an
    // earlier one and rows after take() must all read as if printed afresh.
    const timestamp = fc.oneof(
      fc.constantFrom(0, 1, 1_700_000_000_123_456, Number.MAX_SAFE_INTEGER, -1_000_000_000_000_001),
      fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
      fc.maxSafeInteger(),
    );
    const value = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.maxSafeInteger());
    const row = fc.tuple(timestamp, value, fc.boolean());
    fc.assert(
      fc.property(fc.array(fc.tuple(row, fc.integer({ min: 1, max: 3 })), { maxLength: 30 }), (runs) => {
        const writer = new SampleRowWriter(new SeriesRowCache(), 16);
        const prefix = Buffer.from('p\t');
        let written = '';
        let expected = '';
        for (const [[ts, v, cut], repeat] of runs) {
          for (let i = 0; i < repeat; i++) {
            writer.writeRow(prefix, ts, v, '');
            expected += `p\t${ts}\t${String(v)}\t\n`;
          }
          if (cut) written += writer.take().toString('latin1');
        }
        written += writer.take().toString('latin1');
        expect(written).toBe(expected);
      }),
      { numRuns: 500 },
    );
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
    expect(encodeSampleRow('o', counter, cache).split('\t')[2]).toBe('counter');
    // Past capacity the cache starts over and still answers correctly.
    encodeSampleRow('o', makeSample({ name: 'n', type: 'gauge', tags: [], timestampUs: 1, value: 1 }), cache);
    expect(encodeSampleRow('o', gauge, cache)).toBe(first);
    expect(first.endsWith("\t['a']\t['1']\t5\t1.5\tx\n")).toBe(true);
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
        expect(encodeSampleRow('o', sample(i), cache).split('\t')[5]).toBe(`['${i}']`);
  });

  it('escapes fields and array elements the way ClickHouse writes them', () => {
    expect(tsvField('plain')).toBe('plain');
    expect(tsvField("a'b")).toBe("a'b");
    expect(tsvArray([])).toBe('[]');
    expect(tsvArray(["'", '\\'])).toBe("['\\'','\\\\']");
  });
});
