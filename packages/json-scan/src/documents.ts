import type { JsonScanner } from './json-scanner.js';

/**
 * How bodies hold their values, for the dialects' scans: one place for the rules that both
 * dialects' decoders follow (a UTF-8 byte order mark is skipped, NDJSON is one value per non-blank
 * line, an array's elements are read in order).
 */

/** Where the JSON starts: after a UTF-8 byte order mark, which the decoders strip too. */
export function startAfterBom(body: Uint8Array): number {
  return body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
}

/**
 * Each element of the array whose '[' is at the cursor, by `element` (which reads one value at the
 * cursor and returns false on bytes that are not JSON). True with the cursor after the ']'; false
 * on bytes that are not JSON.
 */
export function scanElements(s: JsonScanner, element: () => boolean): boolean {
  if (!s.open(0x5d)) return true;
  for (;;) {
    if (!element()) return false;
    const more = s.next(0x5d);
    if (more === undefined) return false;
    if (!more) return true;
  }
}

/**
 * NDJSON from `from`: the scanner is set to each line in turn and `value` reads the one value of
 * each non-blank line (JSON strings hold no raw newline, so the split is safe). False when a line
 * is not JSON or holds more than one value.
 */
export function scanLines(s: JsonScanner, body: Buffer, from: number, value: () => boolean): boolean {
  for (let start = from; start <= body.length; ) {
    let end = body.indexOf(0x0a, start);
    if (end === -1) end = body.length;
    s.reset(body, start, end);
    if (s.skipWhitespace() !== -1 && (!value() || s.skipWhitespace() !== -1)) return false;
    start = end + 1;
  }
  return true;
}
