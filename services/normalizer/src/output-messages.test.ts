import { readSampleRows } from '@pipeline/kafka-io';
import { decodeSampleRows, encodeSampleRows, makeSample, SeriesFeed } from '@pipeline/sample-model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SampleRows, safeJson } from './output-messages.js';

describe('SampleRows (one payload as row messages)', () => {
  it('cuts the rows into messages of at most maxBytes, each whole and none overwritten by the next', () => {
    const samples = Array.from({ length: 500 }, (_, i) =>
      makeSample({
        name: `cpu_${i % 7}`,
        type: 'gauge',
        tags: [['host', `h${i % 13}`]],
        timestampUs: 1_764_900_000_000_000 + i,
        value: i / 3,
        dtRaw: '',
      }),
    );
    const sink = new SampleRows('acme', 4096, new SeriesFeed());
    sink.addSamples(samples);
    const messages = sink.finish();
    expect(messages.length).toBeGreaterThan(5);
    const rows = messages.flatMap((message) => {
      const read = readSampleRows({
        value: message.value as Buffer,
        headers: Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([k, v]) => [k, Buffer.from(v)]),
        ),
      });
      if (!read.ok || read.format !== 'RowBinary')
        throw new Error(`unreadable message: ${JSON.stringify(read)}`);
      const decoded = decodeSampleRows(read.rows);
      expect(decoded.length).toBe(read.count);
      expect(read.rows.length).toBeLessThanOrEqual(4096 + 200);
      return decoded;
    });
    expect(rows).toEqual(decodeSampleRows(encodeSampleRows('acme', samples)));
  });
});

/** `value` inside `depth` arrays, built without recursion. */
function nested(value: unknown, depth: number): unknown {
  let v = value;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe('safeJson (dead-letter text)', () => {
  it('writes what JSON.stringify writes, bigints as text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(safeJson(value)).toBe(JSON.stringify(value));
      }),
      { numRuns: 200 },
    );
    expect(safeJson({ n: 12345678901234567890n })).toBe('{"n":"12345678901234567890"}');
  });

  it('writes values nested too deeply for JSON.stringify, with the same text', () => {
    const depth = 100_000;
    expect(() => JSON.stringify(nested(1, depth))).toThrow(RangeError);
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (value) => {
        expect(safeJson(nested(value, depth))).toBe(
          `${'['.repeat(depth)}${JSON.stringify(value)}${']'.repeat(depth)}`,
        );
      }),
      { numRuns: 20 },
    );
  });

  it('in the deep case too: toJSON, bigints, and members JSON leaves out or writes as null', () => {
    const value = {
      date: new Date(0),
      big: 1n,
      gone: undefined,
      fn: () => 1,
      list: [undefined, () => 1, 2n, '"quoted"\n'],
      __proto__x: { a: null },
    };
    const expected = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    expect(safeJson(nested(value, 100_000))).toBe(`${'['.repeat(100_000)}${expected}${']'.repeat(100_000)}`);
  });
});
