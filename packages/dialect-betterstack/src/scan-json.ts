import {
  isNumberStart,
  JsonScanner,
  type KeyTable,
  latin1,
  sameRange,
  scanElements,
  scanLines,
  startAfterBom,
} from '@pipeline/json-scan';
import type { ShapeCursor } from '@pipeline/record-shapes';
import { type BetterStackContext, normalizeInto } from './normalize-record.js';
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

const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
/** member()/element() states: at the first one, after a value, in an empty map or list. */
const FIRST = -1;
const NEXT = -2;
const EMPTY = -3;

/** JSON for scan-records.ts, on the JsonScanner. */
class JsonReader implements ByteReader {
  readonly s = new JsonScanner();
  broken = false;
  holes: BetterStackHoles | undefined;
  /** Where the last `dt` string lies in the body, and what it resolved to: a batch's records usually share one. */
  lastDtStart = -1;
  lastDtEnd = -1;
  lastDt: ResolvedTime | undefined;

  reset(body: Buffer, start: number, end: number): this {
    this.s.reset(body, start, end);
    return this;
  }

  get body(): Buffer {
    return this.s.bytes;
  }

  get pos(): number {
    return this.s.pos;
  }

  set pos(at: number) {
    this.s.pos = at;
  }

  get end(): number {
    return this.s.end;
  }

  #malformed(): typeof MALFORMED {
    this.broken = true;
    return MALFORMED;
  }

  #end(): number {
    this.broken = true;
    return END;
  }

  skip(): Verdict {
    return this.s.value() ? VALID : this.#malformed();
  }

  /** The value is not one the record may hold: skip it (a syntax error is still one). */
  #unsure(): typeof UNSURE | typeof MALFORMED {
    return this.s.value() ? UNSURE : this.#malformed();
  }

  map(): number {
    const s = this.s;
    if (s.skipWhitespace() !== OPEN_OBJECT) {
      if (!s.value()) this.broken = true;
      return END;
    }
    return s.open(CLOSE_OBJECT) ? FIRST : EMPTY;
  }

  member(state: number): number {
    const s = this.s;
    if (state === NEXT) {
      const more = s.next(CLOSE_OBJECT);
      if (more === undefined) return this.#end();
      if (!more) return END;
    } else if (state !== FIRST) return END;
    return s.key() ? NEXT : this.#end();
  }

  keyIn(keys: KeyTable): number {
    const s = this.s;
    return s.escaped ? -1 : keys.indexOf(s.bytes, s.keyStart, s.keyEnd);
  }

  keyUnsure(): boolean {
    return this.s.escaped;
  }

  list(): number {
    const s = this.s;
    if (s.skipWhitespace() !== OPEN_ARRAY) {
      if (!s.value()) this.broken = true;
      return END;
    }
    return s.open(CLOSE_ARRAY) ? FIRST : EMPTY;
  }

  element(state: number): number {
    if (state === FIRST) return NEXT;
    if (state !== NEXT) return END;
    const more = this.s.next(CLOSE_ARRAY);
    if (more === undefined) return this.#end();
    return more ? NEXT : END;
  }

  finite(): Verdict {
    const s = this.s;
    if (!isNumberStart(s.skipWhitespace())) return this.#unsure();
    const start = s.pos;
    if (!s.number()) return this.#malformed();
    return !s.mayOverflow || Number.isFinite(s.numberValue(start)) ? VALID : UNSURE;
  }

  sampleValue(role: number): Verdict {
    // Without holes (no shapes kept, or not worth walking now) the verdict is all that is needed.
    if (this.holes === undefined) return this.finite();
    const s = this.s;
    if (!isNumberStart(s.skipWhitespace())) return this.#unsure();
    const start = s.pos;
    if (!s.number()) return this.#malformed();
    // Only a number that may overflow has to be read to know it is finite (finite()).
    const value = this.holes.keepsValues || s.mayOverflow ? s.numberValue(start) : 0;
    if (!Number.isFinite(value)) return UNSURE;
    this.holes.add(start, s.pos, role, value);
    return VALID;
  }

  nonEmptyString(): Verdict {
    const s = this.s;
    if (s.skipWhitespace() !== QUOTE) return this.#unsure();
    const start = s.pos;
    if (!s.string()) return this.#malformed();
    return s.pos - start > 2 ? VALID : UNSURE;
  }

  upperLimit(): Verdict {
    const s = this.s;
    if (s.skipWhitespace() !== QUOTE) return this.finite();
    const start = s.pos + 1;
    if (!s.string()) return this.#malformed();
    return !s.escaped && isInfText(s.bytes, start, s.pos - 1) ? VALID : UNSURE;
  }

  nullValue(): boolean {
    const s = this.s;
    if (s.skipWhitespace() !== 0x6e) return false;
    if (!s.literal()) this.broken = true;
    return true;
  }

  tagValue(): Verdict {
    const s = this.s;
    const c = s.skipWhitespace();
    let ok: boolean;
    if (c === QUOTE) ok = s.string();
    else if (c === 0x74 || c === 0x66) ok = s.literal();
    else if (isNumberStart(c)) ok = s.number();
    else return this.#unsure();
    return ok ? VALID : this.#malformed();
  }

  dt(receivedAtUs: number): ResolvedTime | undefined | typeof UNSURE | typeof MALFORMED {
    const start = this.s.pos;
    const time = this.#dt(receivedAtUs);
    if (this.holes !== undefined && time !== UNSURE && time !== MALFORMED)
      this.holes.add(start, this.s.pos, ROLE_DT, Number.NaN);
    return time;
  }

  #dt(receivedAtUs: number): ResolvedTime | undefined | typeof UNSURE | typeof MALFORMED {
    const s = this.s;
    const c = s.skipWhitespace();
    if (c === 0x6e) return s.literal() ? undefined : this.#malformed();
    const start = s.pos;
    if (c === QUOTE) {
      // The same bytes as the last dt, closing quote included: that string had no escape, so this
      // one is the same string, already checked and resolved.
      const sameEnd = start + this.lastDtEnd - this.lastDtStart;
      if (
        this.lastDt !== undefined &&
        sameEnd <= s.end &&
        sameRange(s.bytes, s.view, start, sameEnd, this.lastDtStart)
      ) {
        s.pos = sameEnd;
        return this.lastDt;
      }
      if (!s.string()) return this.#malformed();
      if (s.escaped || s.nonAscii) return UNSURE;
      const end = s.pos;
      this.lastDt = resolveDt(latin1(s.bytes, start + 1, end - 1), receivedAtUs);
      this.lastDtStart = start;
      this.lastDtEnd = end;
      return this.lastDt;
    }
    if (isNumberStart(c)) {
      if (!s.number()) return this.#malformed();
      // Number() reads a JSON number literal exactly as JSON.parse does.
      return resolveDt(s.numberValue(start), receivedAtUs);
    }
    return this.#unsure();
  }
}

/**
 * The verdicts of a JSON (an array of records or one record) or NDJSON body, from its bytes
 * (see scan-records.ts); undefined when the body is not JSON or holds no record. With `shapes`,
 * records of a shape seen before are read as such (VerdictShapes).
 */
export function scanBetterStackJson(
  body: Buffer,
  format: 'json' | 'ndjson',
  ctx: BetterStackContext,
  shapes?: VerdictShapes,
): ScannedPayload | undefined {
  const tally = new RecordTally();
  const judgeCtx = { ...ctx, statusOnly: true };
  const walk = verdictWalk(body, shapes);
  /** A record the scan cannot vouch for is parsed alone and judged by normalizeInto. */
  const visit: VisitRecord<never, undefined> = (verdict, start, end, known) => {
    walk?.pass(verdict, start, end, known);
    return tally.add(verdict, (index) => {
      const value: unknown = JSON.parse(body.toString('utf8', start, end));
      const reason = normalizeInto(value, judgeCtx, []);
      return reason === undefined ? undefined : { index, reason, record: value };
    });
  };
  const ok = eachJsonVerdict(body, format, ctx, walk?.holes, walk?.cursor, visit);
  walk?.end(ok);
  return ok ? tally.result() : undefined;
}

/**
 * Calls `record` with the cursor at each record of a JSON (an array of records or one record) or
 * NDJSON body; false when the body is not such JSON or `record` returned false.
 */
function eachRecord(r: JsonReader, body: Buffer, format: 'json' | 'ndjson', record: () => boolean): boolean {
  const s = r.s;
  const first = startAfterBom(body);
  if (format === 'ndjson') return scanLines(s, body, first, record);
  r.reset(body, first, body.length);
  const c = s.skipWhitespace();
  if (c === OPEN_OBJECT) {
    if (!record()) return false;
  } else if (c !== OPEN_ARRAY || !scanElements(s, record)) {
    return false;
  }
  return s.skipWhitespace() === -1;
}

/**
 * Each record's verdict and bytes [start, end), its holes in `holes` when given (record-shapes),
 * read as its predicted shape when `cursor` is given too and the record is one (visitRecord);
 * false when the body is not JSON of records or `visit` returned false.
 */
export function eachJsonVerdict<S, M>(
  body: Buffer,
  format: 'json' | 'ndjson',
  ctx: BetterStackContext,
  holes: BetterStackHoles | undefined,
  cursor: ShapeCursor<S, M> | undefined,
  visit: VisitRecord<S, M>,
): boolean {
  const r = new JsonReader();
  const matcher = holes === undefined ? undefined : new ShapeMatcher(r, holes, ctx);
  const s = r.s;
  return eachRecord(r, body, format, () => {
    s.skipWhitespace();
    return visitRecord(r, ctx, matcher, cursor, visit);
  });
}
