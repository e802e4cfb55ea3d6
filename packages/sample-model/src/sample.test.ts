import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMetricType } from './metric-type.js';
import { sortTags, withTag } from './sample.js';

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
  it('agrees with a plain sort and a last-wins merge, short lists and long, repeated keys and not', () => {
    const reference = (tags: readonly (readonly [string, string])[]) => {
      const byKey = new Map<string, readonly [string, string]>();
      for (const tag of tags) byKey.set(tag[0], tag);
      return [...byKey.values()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    };
    const tag = fc.tuple(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(tag, { maxLength: 40 }), (tags) => {
        expect(sortTags(tags)).toEqual(reference(tags));
      }),
      { numRuns: 2000 },
    );
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

describe('withTag', () => {
  it('puts the tag in key order, replacing one of the same key, as sortTags would', () => {
    const sorted = sortTags([
      ['b', '1'],
      ['d', '2'],
    ]);
    for (const tag of [
      ['a', 'x'],
      ['c', 'x'],
      ['e', 'x'],
      ['b', 'x'],
      ['d', 'x'],
    ] as const) {
      expect(withTag(sorted, tag)).toEqual(sortTags([...sorted, tag]));
    }
    expect(withTag([], ['k', 'v'])).toEqual([['k', 'v']]);
  });
});

describe('sortTags on lists already in order', () => {
  it('returns a copy of a sorted list and still sorts and dedupes the others', () => {
    const sorted: [string, string][] = [
      ['a', '1'],
      ['b', '2'],
    ];
    const out = sortTags(sorted);
    expect(out).toEqual(sorted);
    expect(out).not.toBe(sorted);
    expect(
      sortTags([
        ['a', '1'],
        ['a', '2'],
      ]),
    ).toEqual([['a', '2']]);
  });
});
