import { describe, expect, it } from 'vitest';
import { seriesIdOfKey, seriesKey } from './series-id.js';

describe('series identity', () => {
  it('is the halfMD5 of the JSON key (value checked against ClickHouse 18.16: halfMD5(\'["a","cpu"]\'))', () => {
    expect(seriesIdOfKey(seriesKey('a', 'cpu', []))).toBe('3700684380794049264');
  });

  it('differs when a tag moves between key and value', () => {
    const a = seriesKey('o', 'n', [['a', 'b,c']]);
    const b = seriesKey('o', 'n', [
      ['a', 'b'],
      ['c', ''],
    ]);
    expect(a).not.toBe(b);
    expect(seriesIdOfKey(a)).not.toBe(seriesIdOfKey(b));
  });

  it('separates orgs', () => {
    expect(seriesIdOfKey(seriesKey('o1', 'n', []))).not.toBe(seriesIdOfKey(seriesKey('o2', 'n', [])));
  });
});
