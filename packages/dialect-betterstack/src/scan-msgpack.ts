import { isUtf8 } from 'node:buffer';
import { viewOf } from '@pipeline/byte-ranges';
import { bytesEqual, type KeyTable, latin1, MAX_DEPTH, rangesEqual } from '@pipeline/json-scan';
import type { ShapeCursor } from '@pipeline/record-shapes';
import { decodeTimestampExtension } from './msgpack-codec.js';
import type { BetterStackContext } from './normalize-record.js';
import { type ResolvedTime, resolveDt } from './resolve-dt.js';
import {
  type BetterStackHoles,
  type ByteReader,
  END,
  isInfText,
  MALFORMED,
  RecordTally,
  ROLE_DT,
  type ScannedPayload,
  ShapeMatcher,
  UNSURE,
  VALID,
  type Verdict,
  type VerdictShapes,
  type VisitRecord,
  verdictWalk,
  visitRecord,
} from './scan-records.js';

// What a MessagePack head byte announces (https://github.com/msgpack/msgpack/blob/master/spec.md).
const MAP = 1;
const ARRAY = 2;
const STR = 3;
const BIN = 4;
const EXT = 5;
const NIL = 6;
const BOOL = 7;
/** An integer the decoder gives as a number. */
const INT = 8;
/** uint64 / int64: the decoder gives a bigint (useBigInt64), so a nanosecond dt stays exact. */
const BIG_UINT = 9;
const BIG_INT = 10;
const FLOAT = 11;

const PROTO = Uint8Array.from('__proto__', (c) => c.charCodeAt(0));
const EXT_TIMESTAMP = -1;

/** MessagePack for scan-records.ts. Map keys must be strings here; anything else takes the full path. */
class MsgpackReader implements ByteReader {
  broken = false;
  holes: BetterStackHoles | undefined;
  b: Buffer = Buffer.alloc(0);
  pos = 0;
  end = 0;
  // The head read last: its kind, its length (elements, members or bytes) and, for ext, its type.
  kind = 0;
  headByte = 0;
  length = 0;
  extType = 0;
  keyStart = 0;
  keyEnd = 0;
  lastDtStart = -1;
  lastDtEnd = -1;
  lastDt: ResolvedTime | undefined;

  get body(): Buffer {
    return this.b;
  }

  /** A DataView of the body, for rangesEqual. */
  view = viewOf(this.b);

  reset(body: Buffer): this {
    this.b = body;
    this.view = viewOf(body);
    this.pos = 0;
    this.end = body.length;
    return this;
  }

  /** Reads the head at pos; for str, bin and ext pos is then at their bytes, which must all be there. */
  head(): boolean {
    const b = this.b;
    const end = this.end;
    let p = this.pos;
    if (p >= end) return false;
    const h = b[p++]!;
    let length = 0;
    let kind: number;
    if (h <= 0x7f || h >= 0xe0) kind = INT;
    else if (h <= 0x8f) {
      kind = MAP;
      length = h & 0x0f;
    } else if (h <= 0x9f) {
      kind = ARRAY;
      length = h & 0x0f;
    } else if (h <= 0xbf) {
      kind = STR;
      length = h & 0x1f;
    } else {
      const size = FIXED_SIZE[h - 0xc0]!;
      if (size < 0 || p + size > end) return false;
      switch (h) {
        case 0xc0:
          kind = NIL;
          break;
        case 0xc2:
        case 0xc3:
          kind = BOOL;
          break;
        case 0xc4:
        case 0xc5:
        case 0xc6:
          kind = BIN;
          length = readLength(b, p, size);
          break;
        case 0xc7:
        case 0xc8:
        case 0xc9:
          kind = EXT;
          length = readLength(b, p, size - 1);
          this.extType = b.readInt8(p + size - 1);
          break;
        case 0xca:
        case 0xcb:
          kind = FLOAT;
          break;
        case 0xcf:
          kind = BIG_UINT;
          break;
        case 0xd3:
          kind = BIG_INT;
          break;
        case 0xd4:
        case 0xd5:
        case 0xd6:
        case 0xd7:
        case 0xd8:
          kind = EXT;
          length = 1 << (h - 0xd4);
          this.extType = b.readInt8(p);
          break;
        case 0xd9:
        case 0xda:
        case 0xdb:
          kind = STR;
          length = readLength(b, p, size);
          break;
        case 0xdc:
        case 0xdd:
          kind = ARRAY;
          length = readLength(b, p, size);
          break;
        case 0xde:
        case 0xdf:
          kind = MAP;
          length = readLength(b, p, size);
          break;
        default:
          kind = INT; // 0xcc-0xce, 0xd0-0xd2
      }
      // Fixed-size values (numbers) are skipped here; str, bin and ext leave pos at their bytes.
      p += size;
    }
    if ((kind === STR || kind === BIN || kind === EXT) && p + length > end) return false;
    this.kind = kind;
    this.headByte = h;
    this.length = length;
    this.pos = p;
    return true;
  }

  #broken(): typeof MALFORMED {
    this.broken = true;
    return MALFORMED;
  }

  /** After head(): moves past the value's bytes; maps and arrays with all their contents. */
  #past(depth: number): boolean {
    const kind = this.kind;
    if (kind === STR || kind === BIN || kind === EXT) {
      this.pos += this.length;
      return true;
    }
    if (kind !== MAP && kind !== ARRAY) return true;
    if (depth > MAX_DEPTH) return false;
    const items = kind === MAP ? this.length * 2 : this.length;
    for (let i = 0; i < items; i++) {
      if (!this.head()) return false;
      // A key the decoder would refuse makes the body the full path's.
      if (kind === MAP && i % 2 === 0 && (this.kind !== STR || this.#isProto())) return false;
      if (!this.#past(depth + 1)) return false;
    }
    return true;
  }

  #isProto(): boolean {
    return this.length === 9 && bytesEqual(this.b, this.pos, this.pos + 9, PROTO);
  }

  skip(): Verdict {
    return this.head() && this.#past(0) ? VALID : this.#broken();
  }

  /** Skips the value whose head was just read: not one the record may hold. */
  #unsure(): typeof UNSURE | typeof MALFORMED {
    return this.#past(0) ? UNSURE : this.#broken();
  }

  map(): number {
    if (!this.head()) return this.#end();
    if (this.kind === MAP) return this.length;
    if (!this.#past(0)) this.broken = true;
    return END;
  }

  #end(): number {
    this.broken = true;
    return END;
  }

  member(state: number): number {
    if (state <= 0) return END;
    if (!this.head() || this.kind !== STR || this.#isProto()) return this.#end();
    this.keyStart = this.pos;
    this.keyEnd = this.pos + this.length;
    this.pos = this.keyEnd;
    return state - 1;
  }

  keyIn(keys: KeyTable): number {
    return keys.indexOf(this.b, this.keyStart, this.keyEnd);
  }

  keyUnsure(): boolean {
    return false;
  }

  list(): number {
    if (!this.head()) return this.#end();
    if (this.kind === ARRAY) return this.length;
    if (!this.#past(0)) this.broken = true;
    return END;
  }

  element(state: number): number {
    return state <= 0 ? END : state - 1;
  }

  /** The float whose head was just read. */
  #float(): number {
    return this.headByte === 0xca ? this.b.readFloatBE(this.pos - 4) : this.b.readDoubleBE(this.pos - 8);
  }

  finite(): Verdict {
    if (!this.head()) return this.#broken();
    const kind = this.kind;
    if (kind === INT || kind === BIG_UINT || kind === BIG_INT) return VALID;
    if (kind === FLOAT) return Number.isFinite(this.#float()) ? VALID : UNSURE;
    return this.#unsure();
  }

  sampleValue(role: number): Verdict {
    // Without holes (no shapes kept, or not worth walking now) the verdict is all that is needed.
    if (this.holes === undefined) return this.finite();
    const start = this.pos;
    if (!this.head()) return this.#broken();
    let value: number;
    switch (this.kind) {
      case INT:
        value = readInt(this.b, start);
        break;
      // toFiniteNumber of the decoder's bigint.
      case BIG_UINT:
        value = Number(this.b.readBigUInt64BE(this.pos - 8));
        break;
      case BIG_INT:
        value = Number(this.b.readBigInt64BE(this.pos - 8));
        break;
      case FLOAT:
        value = this.#float();
        if (!Number.isFinite(value)) return UNSURE;
        break;
      default:
        return this.#unsure();
    }
    this.holes.add(start, this.pos, role, value);
    return VALID;
  }

  nonEmptyString(): Verdict {
    if (!this.head()) return this.#broken();
    if (this.kind !== STR) return this.#unsure();
    this.pos += this.length;
    return this.length > 0 ? VALID : UNSURE;
  }

  upperLimit(): Verdict {
    if (!this.head()) return this.#broken();
    const kind = this.kind;
    if (kind === STR) {
      const start = this.pos;
      this.pos += this.length;
      return isInfText(this.b, start, this.pos) ? VALID : UNSURE;
    }
    if (kind === INT || kind === BIG_UINT || kind === BIG_INT) return VALID;
    if (kind === FLOAT) {
      const bound = this.#float();
      return Number.isFinite(bound) || bound === Number.POSITIVE_INFINITY ? VALID : UNSURE;
    }
    return this.#unsure();
  }

  nullValue(): boolean {
    if (this.pos < this.end && this.b[this.pos] === 0xc0) {
      this.pos++;
      return true;
    }
    return false;
  }

  tagValue(): Verdict {
    if (!this.head()) return this.#broken();
    const kind = this.kind;
    if (kind === STR) {
      this.pos += this.length;
      return VALID;
    }
    if (kind === INT || kind === BIG_UINT || kind === BIG_INT || kind === FLOAT || kind === BOOL)
      return VALID;
    return this.#unsure();
  }

  dt(receivedAtUs: number): ResolvedTime | undefined | typeof UNSURE | typeof MALFORMED {
    const start = this.pos;
    const time = this.#dt(receivedAtUs);
    if (this.holes !== undefined && time !== UNSURE && time !== MALFORMED)
      this.holes.add(start, this.pos, ROLE_DT, Number.NaN);
    return time;
  }

  #dt(receivedAtUs: number): ResolvedTime | undefined | typeof UNSURE | typeof MALFORMED {
    const headAt = this.pos;
    if (!this.head()) return this.#broken();
    const b = this.b;
    switch (this.kind) {
      case NIL:
        return undefined;
      case STR: {
        const start = this.pos;
        const end = start + this.length;
        this.pos = end;
        // The last dt's bytes were ASCII when it was kept: the same bytes need no second look.
        if (
          this.lastDt !== undefined &&
          rangesEqual(b, this.view, start, end, this.lastDtStart, this.lastDtEnd)
        )
          return this.lastDt;
        for (let i = start; i < end; i++) if (b[i]! >= 0x80) return UNSURE;
        this.lastDt = resolveDt(latin1(b, start, end), receivedAtUs);
        this.lastDtStart = start;
        this.lastDtEnd = end;
        return this.lastDt;
      }
      case INT:
        return resolveDt(readInt(b, headAt), receivedAtUs);
      case BIG_UINT:
        return resolveDt(b.readBigUInt64BE(this.pos - 8), receivedAtUs);
      case BIG_INT:
        return resolveDt(b.readBigInt64BE(this.pos - 8), receivedAtUs);
      case FLOAT:
        return resolveDt(this.#float(), receivedAtUs);
      case EXT: {
        const start = this.pos;
        this.pos += this.length;
        if (this.extType !== EXT_TIMESTAMP) return UNSURE;
        return resolveDt(decodeTimestampExtension(b.subarray(start, this.pos)), receivedAtUs);
      }
      default:
        return this.#unsure();
    }
  }
}

/** Bytes after the head byte 0xc0 + i (-1: not a valid head): lengths of bin/str/ext/array/map, or the value. */
const FIXED_SIZE: readonly number[] = [
  0,
  -1,
  0,
  0, // nil, (never used), false, true
  1,
  2,
  4, // bin 8/16/32
  2,
  3,
  5, // ext 8/16/32: length, then the type byte
  4,
  8, // float 32/64
  1,
  2,
  4,
  8, // uint 8/16/32/64
  1,
  2,
  4,
  8, // int 8/16/32/64
  1,
  1,
  1,
  1,
  1, // fixext 1/2/4/8/16: the type byte
  1,
  2,
  4, // str 8/16/32
  2,
  4, // array 16/32
  2,
  4, // map 16/32
];

function readLength(b: Buffer, at: number, size: number): number {
  return size === 1 ? b[at]! : size === 2 ? b.readUInt16BE(at) : b.readUInt32BE(at);
}

/** The integer whose head byte is at `at` (not uint64/int64), as the decoder gives it. */
function readInt(b: Buffer, at: number): number {
  const h = b[at]!;
  if (h <= 0x7f) return h;
  if (h >= 0xe0) return h - 0x100;
  switch (h) {
    case 0xcc:
      return b[at + 1]!;
    case 0xcd:
      return b.readUInt16BE(at + 1);
    case 0xce:
      return b.readUInt32BE(at + 1);
    case 0xd0:
      return b.readInt8(at + 1);
    case 0xd1:
      return b.readInt16BE(at + 1);
    default:
      return b.readInt32BE(at + 1);
  }
}

/**
 * The verdicts of a MessagePack body (a map or an array of maps), from its bytes (see
 * scan-records.ts); undefined when the full path must decide (not MessagePack, a key the decoder
 * refuses, a record not vouched for, no record). With `shapes`, records of a shape seen before are
 * read as such (VerdictShapes).
 */
export function scanBetterStackMsgpack(
  body: Buffer,
  ctx: BetterStackContext,
  shapes?: VerdictShapes,
): ScannedPayload | undefined {
  const tally = new RecordTally();
  const walk = verdictWalk(body, shapes);
  // A record the scan cannot vouch for sends the whole body to the full path: the library decodes
  // malformed UTF-8 by reading past a string's end, so a record decoded alone could differ from the
  // same record decoded in its body. Bodies with invalid records are rare.
  const visit: VisitRecord<never, undefined> = (verdict, start, end, known) => {
    if (verdict === UNSURE) return false;
    walk?.pass(verdict, start, end, known);
    return tally.add(verdict, () => undefined);
  };
  const ok = eachMsgpackVerdict(body, ctx, walk?.holes, walk?.cursor, visit);
  walk?.end(ok);
  return ok ? tally.result() : undefined;
}

/** Calls `record` at each record of a MessagePack body (a map or an array); false when it is not one or `record` returned false. */
function eachRecord(r: MsgpackReader, body: Buffer, record: () => boolean): boolean {
  const first = body[0];
  if (first === undefined) return false;
  const isArray = (first >= 0x90 && first <= 0x9f) || first === 0xdc || first === 0xdd;
  const isMap = (first >= 0x80 && first <= 0x8f) || first === 0xde || first === 0xdf;
  if (isMap) {
    if (!record()) return false;
  } else if (isArray) {
    for (let l = r.element(r.list()); l !== END; l = r.element(l)) if (!record()) return false;
    if (r.broken) return false;
  } else {
    return false;
  }
  return r.pos === body.length;
}

/**
 * Each record's verdict and bytes [start, end), as eachJsonVerdict gives them for JSON; false
 * when the body is not MessagePack of records or `visit` returned false.
 */
export function eachMsgpackVerdict<S, M>(
  body: Buffer,
  ctx: BetterStackContext,
  holes: BetterStackHoles | undefined,
  cursor: ShapeCursor<S, M> | undefined,
  visit: VisitRecord<S, M>,
): boolean {
  const r = new MsgpackReader().reset(body);
  const matcher = holes === undefined ? undefined : new ShapeMatcher(r, holes, ctx);
  return eachRecord(r, body, () => visitRecord(r, ctx, matcher, cursor, visit));
}

/**
 * Every str in the one MessagePack value at body[start, end), map keys included, is valid UTF-8:
 * then the value decodes alone as it does in its body (see scanBetterStackMsgpack).
 */
export function msgpackStringsAreUtf8(body: Buffer, start: number, end: number): boolean {
  const r = new MsgpackReader().reset(body);
  r.pos = start;
  r.end = end;
  // Values still to read: a map adds its keys and values, an array its elements.
  let pending = 1;
  while (pending > 0) {
    if (!r.head()) return false;
    pending--;
    const kind = r.kind;
    if (kind === STR || kind === BIN || kind === EXT) {
      if (kind === STR && !isUtf8(body.subarray(r.pos, r.pos + r.length))) return false;
      r.pos += r.length;
    } else if (kind === MAP) pending += 2 * r.length;
    else if (kind === ARRAY) pending += r.length;
  }
  return r.pos === end;
}
