import { describe, expect, it } from 'vitest';
import { epochToMicros } from './epoch-magnitude.js';

describe('epochToMicros', () => {
  it.each([
    ['seconds', 1672490759, 1672490759_000000],
    ['milliseconds', 1672490759123, 1672490759123_000],
    ['microseconds', 1672490759123456, 1672490759123456],
    ['nanoseconds (spec example, above 2^53)', 1672490759123456000, 1672490759123456],
    ['OpenObserve µs example', 1687260776548485, 1687260776548485],
    ['OpenObserve ms example', 1690129406888, 1690129406888_000],
    ['fractional seconds keep microseconds', 1672490759.123456, 1672490759123456],
    ['zero stays zero', 0, 0],
  ])('%s', (_label, input, expected) => {
    expect(epochToMicros(input)).toBe(expected);
  });

  it('uses the upstream thresholds at their edges', () => {
    expect(epochToMicros(3.1536e10)).toBe(3.1536e16); // still seconds
    expect(epochToMicros(3.1536e10 + 1)).toBe((3.1536e10 + 1) * 1000); // milliseconds
    expect(epochToMicros(3.1536e13)).toBe(3.1536e13 * 1000); // still milliseconds
    expect(epochToMicros(3.1536e13 + 1)).toBe(3.1536e13 + 1); // microseconds
    expect(epochToMicros(3.1536e16)).toBe(3.1536e16); // still microseconds
    expect(epochToMicros(3.1536e16 + 8)).toBe(Math.round((3.1536e16 + 8) / 1000)); // nanoseconds
  });

  it('truncates exact nanoseconds given as bigint', () => {
    expect(epochToMicros(1672490759123456999n)).toBe(1672490759123456);
    expect(epochToMicros(1672490759n)).toBe(1672490759_000000);
    expect(epochToMicros(-1n)).toBeUndefined();
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, -1, 1e300, 1e25])('refuses %s', (v) => {
    expect(epochToMicros(v)).toBeUndefined();
  });
});
