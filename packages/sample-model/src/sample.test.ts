import { describe, expect, it } from 'vitest';
import { isMetricType } from './metric-type.js';
import { sortTags } from './sample.js';

describe('sortTags', () => {
  it('sorts by key and keeps the last value of a repeated key', () => {
    expect(
      sortTags([
        ['b', '1'],
        ['a', '2'],
        ['b', '3'],
      ]),
    ).toEqual([
      ['a', '2'],
      ['b', '3'],
    ]);
  });
  it('does not modify its input', () => {
    const tags = [
      ['b', '1'],
      ['a', '2'],
    ] as const;
    sortTags(tags);
    expect(tags[0][0]).toBe('b');
  });
});

describe('isMetricType', () => {
  it.each(['gauge', 'counter', 'histogram', 'summary'])('accepts %s', (t) =>
    expect(isMetricType(t)).toBe(true));
  it.each(['Gauge', 'guage', '', 1, null])('refuses %s', (t) => expect(isMetricType(t)).toBe(false));
});
