import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyTable } from './key-table.js';

const KEYS = ['name', 'gauge', 'counter', 'histogram', 'summary', 'tags', 'dt'];

/** `key` placed inside other bytes, as keys lie in a body. */
function lookup(table: KeyTable, key: string): number {
  const bytes = Buffer.from(`{"${key}":`, 'latin1');
  return table.indexOf(bytes, 2, 2 + Buffer.byteLength(key, 'latin1'));
}

describe('KeyTable', () => {
  const table = new KeyTable(KEYS);

  it('finds each key at its index, keys of the same length included', () => {
    for (const [index, key] of KEYS.entries()) expect(lookup(table, key)).toBe(index);
    // counter and summary share a length (7), as name and tags do (4).
    expect(lookup(table, 'summary')).toBe(4);
    expect(lookup(table, 'tags')).toBe(5);
  });

  it('finds no other key: prefixes, extensions, other cases, the empty key', () => {
    for (const key of [
      'nam',
      'names',
      'Name',
      'NAME',
      'tag',
      'tagz',
      'd',
      'dtt',
      '',
      'histogra',
      'x'.repeat(5000),
    ])
      expect(lookup(table, key)).toBe(-1);
  });

  it('answers as indexOf on the list of keys, for any key', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 12 })), (key) => {
        const latin1 = Buffer.from(key, 'latin1').toString('latin1');
        expect(lookup(table, latin1)).toBe(KEYS.indexOf(latin1));
      }),
      { numRuns: 2000 },
    );
  });
});
