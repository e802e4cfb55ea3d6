import { sameBytes, viewOf } from '@pipeline/byte-ranges';

/**
 * Checks JSON text as bytes without building any value. Each method checks one construct at `pos`
 * and moves past it, or returns false wherever JSON.parse would throw (and, beyond MAX_DEPTH of
 * nesting, where it would not: callers treat false as "decide this another way").
 *
 * Why: JSON.parse builds every object of a body only for the receiver to look at a few fields and
 * throw them away; that and its garbage were half of a receiver's CPU. Validating the bytes where
 * they lie is 4-5× faster (docs/benchmarks.md). Strings are checked, not decoded: callers slice
 * the few they need. UTF-8 is not validated, as JSON.parse of Buffer#toString does not reject it
 * either (malformed bytes become U+FFFD, and never swallow an ASCII byte).
 */
/** Nesting the scanners follow (JSON here, MessagePack in the dialect); deeper, they leave it to the decoder. */
export const MAX_DEPTH = 256;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
/** The first byte of a JSON number: '-' or a digit (number() reads it from there). */
export const isNumberStart = (c: number) => c === 0x2d || isDigit(c);
const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);

/** What a byte means inside a string. */
const PLAIN = 0;
const CLOSE = 1;
const ESCAPE = 2;
const CONTROL = 3;
const HIGH = 4;
const STRING_BYTE = Uint8Array.from({ length: 256 }, (_, c) =>
  c === QUOTE ? CLOSE : c === BACKSLASH ? ESCAPE : c < 0x20 ? CONTROL : c >= 0x80 ? HIGH : PLAIN,
);

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

const EMPTY_VIEW: DataView = new DataView(new ArrayBuffer(0));

export class JsonScanner {
  bytes: Buffer = Buffer.alloc(0);
  pos = 0;
  end = 0;
  /** After string(): it held a backslash escape, so its bytes are not its text. */
  escaped = false;
  /** After string(): it held a byte ≥ 0x80. */
  nonAscii = false;
  /** After number(): it had an exponent or over 308 integer digits, so it may be ±Infinity as a double. */
  mayOverflow = false;

  reset(bytes: Buffer, pos: number, end: number): this {
    this.bytes = bytes;
    this.pos = pos;
    this.end = end;
    return this;
  }

  #viewed: Uint8Array | undefined;
  #view: DataView = EMPTY_VIEW;

  /** A DataView of `bytes` for sameRange and rangesEqual, made once per body (NDJSON resets per line). */
  get view(): DataView {
    if (this.bytes !== this.#viewed) {
      this.#view = viewOf(this.bytes);
      this.#viewed = this.bytes;
    }
    return this.#view;
  }

  /** Skips JSON whitespace; returns the byte at `pos` then, or -1 at the end. */
  skipWhitespace(): number {
    const b = this.bytes;
    const end = this.end;
    let i = this.pos;
    while (i < end) {
      const c = b[i]!;
      // Every JSON whitespace byte is ≤ 0x20: one compare settles compact JSON.
      if (c > 0x20 || (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09)) {
        this.pos = i;
        return c;
      }
      i++;
    }
    this.pos = end;
    return -1;
  }

  /** A string; `pos` is at its opening quote. */
  string(): boolean {
    const b = this.bytes;
    const end = this.end;
    let i = this.pos + 1;
    let escaped = false;
    let nonAscii = false;
    while (i < end) {
      const c = b[i]!;
      // One table load per plain byte instead of four compares: most bytes of a body are in strings.
      const kind = STRING_BYTE[c]!;
      if (kind === PLAIN) {
        i++;
        continue;
      }
      if (kind === CLOSE) {
        this.pos = i + 1;
        this.escaped = escaped;
        this.nonAscii = nonAscii;
        return true;
      }
      if (kind === HIGH) {
        nonAscii = true;
        i++;
        continue;
      }
      if (kind === CONTROL) return false;
      // A backslash.
      escaped = true;
      if (i + 1 >= end) return false;
      const e = b[i + 1]!;
      if (e === 0x75 /* u */) {
        if (i + 6 > end || !isHex(b[i + 2]!) || !isHex(b[i + 3]!) || !isHex(b[i + 4]!) || !isHex(b[i + 5]!))
          return false;
        i += 6;
        continue;
      }
      // " \ / b f n r t
      if (
        e !== QUOTE &&
        e !== BACKSLASH &&
        e !== 0x2f &&
        e !== 0x62 &&
        e !== 0x66 &&
        e !== 0x6e &&
        e !== 0x72 &&
        e !== 0x74
      )
        return false;
      i += 2;
    }
    return false;
  }

  /** A number; `pos` is at its first character ('-' or a digit). */
  number(): boolean {
    const b = this.bytes;
    const end = this.end;
    let i = this.pos;
    if (i < end && b[i] === 0x2d) i++;
    if (i >= end) return false;
    const intStart = i;
    const first = b[i]!;
    if (first === 0x30) i++;
    else if (first >= 0x31 && first <= 0x39) {
      i++;
      while (i < end && isDigit(b[i]!)) i++;
    } else return false;
    let mayOverflow = i - intStart > 308;
    if (i < end && b[i] === 0x2e) {
      i++;
      const fractionStart = i;
      while (i < end && isDigit(b[i]!)) i++;
      if (i === fractionStart) return false;
    }
    if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
      i++;
      if (i < end && (b[i] === 0x2b || b[i] === 0x2d)) i++;
      const exponentStart = i;
      while (i < end && isDigit(b[i]!)) i++;
      if (i === exponentStart) return false;
      mayOverflow = true;
    }
    this.pos = i;
    this.mayOverflow = mayOverflow;
    return true;
  }

  /**
   * The number just scanned from `start`, as JSON.parse reads it. Up to 15 significant digits and
   * 22 decimals without an exponent it is computed in place: m / 10^k of two exact doubles is
   * correctly rounded (Clinger's fast path), as Number() of the text is; so is an integer up to
   * 2^53 - 1; otherwise Number() it is.
   */
  numberValue(start: number): number {
    const b = this.bytes;
    const end = this.pos;
    let i = start;
    const negative = b[i] === 0x2d;
    if (negative) i++;
    let m = 0;
    let digits = 0;
    let decimals = -1;
    for (; i < end; i++) {
      const c = b[i]!;
      if (c === 0x2e) {
        decimals = 0;
        continue;
      }
      if (c < 0x30 || c > 0x39) return Number(latin1(b, start, end)); // an exponent
      m = m * 10 + (c - 0x30);
      if (m !== 0) digits++;
      if (decimals >= 0) decimals++;
    }
    // An integer up to 2^53 - 1 was summed exactly (every partial sum is smaller): microsecond
    // timestamps have 16 digits.
    if ((digits > 15 && (decimals >= 0 || m > Number.MAX_SAFE_INTEGER)) || decimals > 22)
      return Number(latin1(b, start, end));
    const value = decimals > 0 ? m / POWERS_OF_TEN[decimals]! : m;
    return negative ? -value : value;
  }

  /** true, false or null; `pos` is at its first letter. */
  literal(): boolean {
    const b = this.bytes;
    const i = this.pos;
    const c = b[i];
    let length: number;
    if (c === 0x74) length = b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === 0x65 ? 4 : 0;
    else if (c === 0x66)
      length = b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x73 && b[i + 4] === 0x65 ? 5 : 0;
    else if (c === 0x6e) length = b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c ? 4 : 0;
    else length = 0;
    if (length === 0 || i + length > this.end) return false;
    this.pos = i + length;
    return true;
  }

  /** Any value, after optional whitespace. */
  value(depth = 0): boolean {
    const c = this.skipWhitespace();
    if (c === QUOTE) return this.string();
    if (c === 0x7b) return this.object(depth + 1);
    if (c === 0x5b) return this.array(depth + 1);
    if (c === 0x74 || c === 0x66 || c === 0x6e) return this.literal();
    if (isNumberStart(c)) return this.number();
    return false;
  }

  /**
   * After a member or element: skips whitespace and one ',' (true, more follow) or the closing
   * byte (false, `pos` after it). Returns undefined for anything else.
   */
  next(close: number): boolean | undefined {
    const c = this.skipWhitespace();
    if (c === 0x2c) {
      this.pos++;
      return true;
    }
    if (c === close) {
      this.pos++;
      return false;
    }
    return undefined;
  }

  /**
   * Opens an object or array at `pos` (its '{' or '['): true when it has a first member or
   * element, with `pos` at it; false when it is empty, with `pos` after it.
   */
  open(close: number): boolean {
    this.pos++;
    if (this.skipWhitespace() === close) {
      this.pos++;
      return false;
    }
    return true;
  }

  /**
   * A member's key and colon, `pos` at the key's quote (after whitespace). Leaves `pos` before
   * the value; the key's bytes are [keyStart, keyEnd). False on a syntax error.
   */
  key(): boolean {
    if (this.skipWhitespace() !== QUOTE) return false;
    this.keyStart = this.pos + 1;
    if (!this.string()) return false;
    this.keyEnd = this.pos - 1;
    if (this.skipWhitespace() !== 0x3a) return false;
    this.pos++;
    return true;
  }

  /** Set by key(). */
  keyStart = 0;
  keyEnd = 0;

  object(depth: number): boolean {
    if (depth > MAX_DEPTH) return false;
    if (!this.open(0x7d)) return true;
    for (;;) {
      if (!this.key() || !this.value(depth)) return false;
      const more = this.next(0x7d);
      if (more === undefined) return false;
      if (!more) return true;
    }
  }

  array(depth: number): boolean {
    if (depth > MAX_DEPTH) return false;
    if (!this.open(0x5d)) return true;
    for (;;) {
      if (!this.value(depth)) return false;
      const more = this.next(0x5d);
      if (more === undefined) return false;
      if (!more) return true;
    }
  }
}

/** bytes[start, end) equals `expected`. */
export function bytesEqual(bytes: Uint8Array, start: number, end: number, expected: Uint8Array): boolean {
  if (end - start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[start + i] !== expected[i]) return false;
  return true;
}

/**
 * bytes[start, end) equals bytes[otherStart, otherStart + end - start), both within `bytes`, read
 * through `view` (a DataView of `bytes`, kept for the body: making one costs more than a compare).
 * A record's repeated timestamp is compared so: 16 digits in one step, not 16.
 */
export function sameRange(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  end: number,
  otherStart: number,
): boolean {
  return sameBytes(bytes, view, start, bytes, view, otherStart, end - start);
}

/** bytes[start, end) equals bytes[otherStart, otherEnd), compared as sameRange does. */
export function rangesEqual(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  end: number,
  otherStart: number,
  otherEnd: number,
): boolean {
  return end - start === otherEnd - otherStart && sameRange(bytes, view, start, end, otherStart);
}

/** ASCII bytes as text (latin1 is the identity on them, and cheaper than UTF-8 decoding). */
export function latin1(bytes: Buffer, start: number, end: number): string {
  return bytes.toString('latin1', start, end);
}

/** The bytes of an ASCII key (KeyTable's entries). */
export const asciiBytes = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
