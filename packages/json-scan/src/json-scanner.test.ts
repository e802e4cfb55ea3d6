import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonScanner, MAX_DEPTH, sameRange } from './json-scanner.js';

/** Whether the scanner takes `text` as one JSON document, as JSON.parse would. */
function scans(text: string): boolean {
  const bytes = Buffer.from(text);
  const scanner = new JsonScanner().reset(bytes, 0, bytes.length);
  return scanner.value() && scanner.skipWhitespace() === -1;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('JsonScanner', () => {
  it.each([
    ['{}', true],
    ['[]', true],
    [' { "a" : [1, -2.5e+3, 0, -0, true, false, null, "x\\u00e9\\n"] } ', true],
    ['"\\ud800"', true],
    ['1e400', true],
    ['01', false],
    ['1.', false],
    ['.5', false],
    ['-', false],
    ['1e', false],
    ['+1', false],
    ['[1,]', false],
    ['{"a":1,}', false],
    ['{"a" 1}', false],
    ['{a:1}', false],
    ["'a'", false],
    ['"\\x"', false],
    ['"\\u12"', false],
    ['"a\tb"', false],
    ['tru', false],
    ['nul', false],
    ['[1 2]', false],
    ['{"a":1}{}', false],
    ['', false],
    ['\u00a0[]', false],
    ['NaN', false],
    ['Infinity', false],
  ])('%j → %s, as JSON.parse', (text, ok) => {
    expect(parses(text)).toBe(ok);
    expect(scans(text)).toBe(ok);
  });

  it('takes every byte inside a string, and after a backslash, exactly as JSON.parse does', () => {
    // The string loop classifies bytes by a table: each entry of it is checked here.
    for (let c = 0; c < 256; c++) {
      for (const text of [
        `"a${String.fromCharCode(c)}b"`,
        `"\\${String.fromCharCode(c)}"`,
        `{"k${String.fromCharCode(c)}":1}`,
      ]) {
        const bytes = Buffer.from(text, 'latin1');
        const scanner = new JsonScanner().reset(bytes, 0, bytes.length);
        const ok = scanner.value() && scanner.skipWhitespace() === -1;
        expect(ok, `byte 0x${c.toString(16)} in ${JSON.stringify(text)}`).toBe(
          parses(bytes.toString('utf8')),
        );
      }
    }
  });

  it('agrees with JSON.parse on arbitrary JSON and on its mutations', () => {
    const mutated = fc
      .tuple(
        fc.json(),
        fc.nat(),
        fc.nat(),
        fc.constantFrom('', ',', ']', '}', '"', '\\', ':', '-', '0', 'e', ' ', '\n', '\u0001'),
      )
      .map(([json, at, cut, insert]) => {
        const i = at % (json.length + 1);
        return json.slice(0, i) + insert + json.slice(Math.min(json.length, i + (cut % 3)));
      });
    fc.assert(
      fc.property(fc.oneof(fc.json(), mutated, fc.string()), (text) => {
        expect(scans(text)).toBe(parses(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('reports escapes, non-ASCII bytes and numbers that may overflow', () => {
    const at = (text: string) => new JsonScanner().reset(Buffer.from(text), 0, Buffer.byteLength(text));
    const plain = at('"abc"');
    expect(plain.string()).toBe(true);
    expect([plain.escaped, plain.nonAscii]).toEqual([false, false]);
    const escaped = at('"a\\"b"');
    expect(escaped.string() && escaped.escaped).toBe(true);
    const accented = at('"é"');
    expect(accented.string() && accented.nonAscii).toBe(true);
    for (const [text, mayOverflow] of [
      ['123.5', false],
      ['1e3', true],
      ['9'.repeat(308), false],
      ['9'.repeat(309), true],
    ] as const) {
      const s = at(text);
      expect(s.number()).toBe(true);
      expect(s.mayOverflow).toBe(mayOverflow);
      expect(s.numberValue(0)).toBe(JSON.parse(text));
    }
  });

  it('reads numbers exactly as JSON.parse does', () => {
    const value = (text: string) => {
      const s = new JsonScanner().reset(Buffer.from(text), 0, text.length);
      expect(s.number()).toBe(true);
      return s.numberValue(0);
    };
    for (const text of [
      '0',
      '-0',
      '1',
      '-12',
      '0.1',
      '0.30000000000000004',
      '123456789012345',
      '1234567890123456789',
      '9007199254740993',
      '9007199254740991',
      '9007199254740992',
      '-9007199254740991',
      '1796199900747000',
      '1796199900747000.5',
      '12345678901234567',
      '1.7976931348623157e308',
      '5e-324',
      '1e400',
      '0.000000000000000000001',
      '0.0000000000000000000001',
      '1690129406889.123',
    ])
      expect(Object.is(value(text), JSON.parse(text))).toBe(true);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.integer(),
          fc.maxSafeInteger(),
          fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }).map(Number),
        ),
        fc.nat(25),
        (v, digits) => {
          for (const text of [JSON.stringify(v), v.toFixed(Math.min(digits, 20))]) {
            if (!/^-?\d/.test(text)) continue;
            expect(Object.is(value(text), JSON.parse(text))).toBe(true);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('gives up (false) beyond MAX_DEPTH instead of overflowing the stack', () => {
    const deep = `${'['.repeat(MAX_DEPTH + 1)}${']'.repeat(MAX_DEPTH + 1)}`;
    expect(parses(deep)).toBe(true);
    expect(scans(deep)).toBe(false);
    expect(scans(`${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}`)).toBe(true);
    expect(scans('['.repeat(1_000_000))).toBe(false);
  });
});

describe('sameRange', () => {
  it('agrees with a byte-by-byte comparison, whatever the lengths, offsets and bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 40 }),
        fc.nat(40),
        fc.nat(40),
        fc.nat(20),
        fc.array(fc.tuple(fc.nat(40), fc.integer({ min: 0, max: 255 })), { maxLength: 2 }),
        (content, a, b, length, edits) => {
          const bytes = Buffer.alloc(100);
          // Two copies of `content`, one of them edited: a difference anywhere in a range must count.
          bytes.set(content, 0);
          bytes.set(content, 50);
          for (const [at, byte] of edits) bytes[50 + (at % 50)] = byte;
          const start = a % 50;
          const otherStart = 50 + (b % 50);
          const end = Math.min(start + length, 50);
          const n = Math.min(end - start, 100 - otherStart);
          const expected = bytes
            .subarray(start, start + n)
            .equals(bytes.subarray(otherStart, otherStart + n));
          const view = new JsonScanner().reset(bytes, 0, bytes.length).view;
          expect(sameRange(bytes, view, start, start + n, otherStart)).toBe(expected);
        },
      ),
    );
  });

  it("reads a scanner's body through a view of exactly that body, also within a larger buffer", () => {
    const pool = Buffer.from('xxxx1796355635626000,1796355635626000,1796355635626001yyyy');
    const body = pool.subarray(4, pool.length - 4);
    const scanner = new JsonScanner().reset(body, 0, body.length);
    expect(sameRange(body, scanner.view, 0, 16, 17)).toBe(true);
    expect(sameRange(body, scanner.view, 0, 16, 34)).toBe(false);
    // Reset to another body, the scanner views that one.
    const other = Buffer.from('1234123412341234');
    expect(sameRange(other, scanner.reset(other, 0, other.length).view, 0, 4, 4)).toBe(true);
  });
});
