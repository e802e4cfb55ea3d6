import {
  isNumberStart,
  JsonScanner,
  type KeyTable,
  latin1,
  rangesEqual,
  scanElements,
  scanLines,
  startAfterBom,
} from '@pipeline/json-scan';
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
  scanRecord,
  UNSURE,
  VALID,
  type Verdict,
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
    // The receiver keeps no holes: it needs the verdict only.
    if (this.holes === undefined) return this.finite();
    const s = this.s;
    if (!isNumberStart(s.skipWhitespace())) return this.#unsure();
    const start = s.pos;
    if (!s.number()) return this.#malformed();
    const value = s.numberValue(start);
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
        rangesEqual(s.bytes, start, sameEnd, this.lastDtStart, this.lastDtEnd)
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
 * (see scan-records.ts); undefined when the body is not JSON or holds no record.
 */
export function scanBetterStackJson(
  body: Buffer,
  format: 'json' | 'ndjson',
  ctx: BetterStackContext,
): ScannedPayload | undefined {
  const r = new JsonReader();
  const s = r.s;
  const tally = new RecordTally();
  const judgeCtx = { ...ctx, statusOnly: true };
  /** The record at the cursor; a record the scan cannot vouch for is parsed alone and judged by normalizeInto. */
  const record = (): boolean => {
    s.skipWhitespace();
    const start = s.pos;
    return tally.add(scanRecord(r, ctx), (index) => {
      const value: unknown = JSON.parse(body.toString('utf8', start, s.pos));
      const reason = normalizeInto(value, judgeCtx, []);
      return reason === undefined ? undefined : { index, reason, record: value };
    });
  };
  return eachRecord(r, body, format, record) ? tally.result() : undefined;
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
 * Each record's verdict and bytes [start, end), its holes in `holes` (record-shapes); false when
 * the body is not JSON of records or `visit` returned false.
 */
export function eachJsonVerdict(
  body: Buffer,
  format: 'json' | 'ndjson',
  ctx: BetterStackContext,
  holes: BetterStackHoles,
  visit: (verdict: Verdict, start: number, end: number) => boolean,
): boolean {
  const r = new JsonReader();
  r.holes = holes;
  const s = r.s;
  return eachRecord(r, body, format, () => {
    s.skipWhitespace();
    const start = s.pos;
    const verdict = scanRecord(r, ctx);
    return verdict !== MALFORMED && visit(verdict, start, s.pos);
  });
}
