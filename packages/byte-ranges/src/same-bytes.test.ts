import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameBytes, viewOf } from './same-bytes.js';

/** `bytes` at `offset` within a larger buffer, as a body or a chunk of shapes lies. */
function within(bytes: Uint8Array, offset: number): Buffer {
  const pool = Buffer.alloc(offset + bytes.length + 8, 0x5a);
  pool.set(bytes, offset);
  return pool.subarray(offset, offset + bytes.length);
}

describe('sameBytes', () => {
  it('agrees with a byte-by-byte comparison for every length, offset and single difference', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 90, size: 'max' }),
        fc.nat(7),
        fc.nat(7),
        fc.nat(7),
        fc.nat(7),
        fc.option(fc.tuple(fc.nat(89), fc.integer({ min: 1, max: 255 }))),
        (content, aOffset, bOffset, from, at, edit) => {
          const a = within(Buffer.concat([Buffer.alloc(from, 1), content]), aOffset);
          const copy = Buffer.concat([Buffer.alloc(at, 2), content]);
          if (edit !== null && content.length > 0) {
            const k = at + (edit[0] % content.length);
            copy[k] = copy[k]! ^ edit[1];
          }
          const b = within(copy, bOffset);
          const expected = a.subarray(from).equals(b.subarray(at));
          expect(sameBytes(a, viewOf(a), from, b, viewOf(b), at, content.length)).toBe(expected);
          expect(expected).toBe(edit === null || content.length === 0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('notices a difference in the last byte of a range whose length is no multiple of four or sixteen', () => {
    for (const length of [1, 3, 5, 15, 17, 31, 33, 47]) {
      const a = Buffer.alloc(length, 0x41);
      const b = Buffer.from(a);
      expect(sameBytes(a, viewOf(a), 0, b, viewOf(b), 0, length)).toBe(true);
      b[length - 1] = 0x42;
      expect(sameBytes(a, viewOf(a), 0, b, viewOf(b), 0, length)).toBe(false);
    }
  });

  it('compares two ranges of the same bytes, and reads nothing outside them', () => {
    // The bytes around the ranges differ; a read past either range's end would see it.
    const bytes = within(Buffer.from('1796355635626000x1796355635626000y17963556356260001'), 3);
    const view = viewOf(bytes);
    expect(sameBytes(bytes, view, 0, bytes, view, 17, 16)).toBe(true);
    expect(sameBytes(bytes, view, 0, bytes, view, 34, 16)).toBe(true);
    expect(sameBytes(bytes, view, 0, bytes, view, 34, 17)).toBe(false);
    expect(sameBytes(bytes, view, 1, bytes, view, 18, 15)).toBe(true);
  });
});
