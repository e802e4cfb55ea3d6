import { asciiBytes, JsonScanner, latin1 } from '@pipeline/json-scan';
import type { RejectedRecord } from '@pipeline/sample-model';
import { checkTimeWindow } from '@pipeline/timestamp-rules';
import { type BetterStackContext, normalizeInto } from './normalize-record.js';
import { resolveDt } from './resolve-dt.js';

/** How a record came out of the byte-level check. */
const VALID = 0;
/** Well-formed JSON the check cannot vouch for: the record goes through JSON.parse and normalizeInto. */
const UNSURE = 1;
/** Not JSON: the whole body goes through the full path, which finds the parser's message. */
const MALFORMED = 2;
type Verdict = typeof VALID | typeof UNSURE | typeof MALFORMED;

export interface ScannedPayload {
  readonly accepted: number;
  readonly rejected: RejectedRecord[];
  readonly records: number;
}

const NAME = asciiBytes('name');
const GAUGE = asciiBytes('gauge');
const COUNTER = asciiBytes('counter');
const HISTOGRAM = asciiBytes('histogram');
const SUMMARY = asciiBytes('summary');
const TAGS = asciiBytes('tags');
const DT = asciiBytes('dt');
const VALUE = asciiBytes('value');
const COUNT = asciiBytes('count');
const SUM = asciiBytes('sum');
const BUCKETS = asciiBytes('buckets');
const UPPER_LIMIT = asciiBytes('upper_limit');
const QUANTILES = asciiBytes('quantiles');
const QUANTILE = asciiBytes('quantile');

const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;

/**
 * The receiver's verdicts for a JSON or NDJSON body, reached on its bytes: the fast path of
 * `processBetterStackPayload(…, { statusOnly: true })`.
 *
 * It only ever vouches for records: one it finds valid in the bytes — every condition that
 * `normalizeInto` checks holds, read where the bytes lie — is counted; every other record is parsed
 * on its own and judged by `normalizeInto` itself, so every reason a client reads comes from the one
 * implementation of the rules. A body that is not JSON gives undefined: the caller takes the full
 * path, whose parser names the fault. `scan-json.test.ts` checks with fast-check that both paths
 * reach the same verdicts.
 */
export function scanBetterStackJson(
  body: Buffer,
  format: 'json' | 'ndjson',
  ctx: BetterStackContext,
): ScannedPayload | undefined {
  const scan = new RecordScan(body, ctx);
  const ok = format === 'json' ? scan.document() : scan.lines();
  return ok && scan.records > 0
    ? { accepted: scan.records - scan.rejected.length, rejected: scan.rejected, records: scan.records }
    : undefined;
}

class RecordScan {
  readonly s = new JsonScanner();
  records = 0;
  readonly rejected: RejectedRecord[] = [];
  /** Where the last `dt` string lies in the body and whether it was inside the window: a batch's records usually share one. */
  lastDtStart = -1;
  lastDtEnd = -1;
  lastDtInside = false;

  constructor(
    readonly body: Buffer,
    readonly ctx: BetterStackContext,
  ) {}

  /** One JSON document: an array of records or a single record. */
  document(): boolean {
    const s = this.s.reset(this.body, startAfterBom(this.body), this.body.length);
    const c = s.skipWhitespace();
    if (c === OPEN_ARRAY) {
      if (s.open(CLOSE_ARRAY)) {
        for (;;) {
          if (!this.record()) return false;
          const more = s.next(CLOSE_ARRAY);
          if (more === undefined) return false;
          if (!more) break;
        }
      }
    } else if (c === OPEN_OBJECT) {
      if (!this.record()) return false;
    } else {
      return false;
    }
    return s.skipWhitespace() === -1;
  }

  /** NDJSON: one record per non-blank line. */
  lines(): boolean {
    const body = this.body;
    let start = startAfterBom(body);
    while (start <= body.length) {
      let end = body.indexOf(0x0a, start);
      if (end === -1) end = body.length;
      const s = this.s.reset(body, start, end);
      if (s.skipWhitespace() !== -1) {
        if (!this.record() || s.skipWhitespace() !== -1) return false;
      }
      start = end + 1;
    }
    return true;
  }

  /** The value at the scanner's position, as one record. False when the body is not JSON. */
  record(): boolean {
    const s = this.s;
    s.skipWhitespace();
    const start = s.pos;
    const verdict = s.bytes[start] === OPEN_OBJECT ? this.recordObject() : s.value() ? UNSURE : MALFORMED;
    if (verdict === MALFORMED) return false;
    const index = this.records++;
    if (verdict === UNSURE) this.judge(index, start, s.pos);
    return true;
  }

  /** The record goes through the one implementation of the rules. */
  judge(index: number, start: number, end: number): void {
    const record: unknown = JSON.parse(this.body.toString('utf8', start, end));
    const reason = normalizeInto(record, { ...this.ctx, statusOnly: true }, []);
    if (reason !== undefined) this.rejected.push({ index, reason, record });
  }

  recordObject(): Verdict {
    const s = this.s;
    if (!s.open(CLOSE_OBJECT)) return UNSURE;
    let sure = true;
    let hasName = false;
    let kinds = 0;
    let hasTags = false;
    let dtStart = -1;
    let dtEnd = -1;
    let dtIsString = false;
    for (;;) {
      if (!s.key()) return MALFORMED;
      // A repeated key: JSON.parse keeps the last, so leave it to JSON.parse.
      let field: Verdict;
      if (s.keyIs(NAME)) {
        if (hasName) sure = false;
        hasName = true;
        field = this.nonEmptyString();
      } else if (s.keyIs(GAUGE) || s.keyIs(COUNTER)) {
        kinds++;
        field = this.single();
      } else if (s.keyIs(HISTOGRAM)) {
        kinds++;
        field = this.distribution(UPPER_LIMIT, BUCKETS);
      } else if (s.keyIs(SUMMARY)) {
        kinds++;
        field = this.distribution(QUANTILE, QUANTILES);
      } else if (s.keyIs(TAGS)) {
        if (hasTags) sure = false;
        hasTags = true;
        field = this.tags();
      } else if (s.keyIs(DT)) {
        if (dtStart !== -1) sure = false;
        const c = s.skipWhitespace();
        dtStart = s.pos;
        if (c === QUOTE) {
          if (!s.string()) return MALFORMED;
          dtIsString = true;
          field = s.escaped || s.nonAscii ? UNSURE : VALID;
        } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
          if (!s.number()) return MALFORMED;
          dtIsString = false;
          field = VALID;
        } else {
          field = s.value() ? UNSURE : MALFORMED;
        }
        dtEnd = s.pos;
      } else {
        // A key with an escape might spell one of the above: only JSON.parse can tell.
        if (s.escaped) sure = false;
        field = s.value() ? VALID : MALFORMED;
      }
      if (field === MALFORMED) return MALFORMED;
      if (field === UNSURE) sure = false;
      const more = s.next(CLOSE_OBJECT);
      if (more === undefined) return MALFORMED;
      if (!more) break;
    }
    if (!sure || !hasName || kinds !== 1) return UNSURE;
    if (dtStart === -1) return VALID;
    return this.dtInsideWindow(dtStart, dtEnd, dtIsString) ? VALID : UNSURE;
  }

  /** Same resolution and window as normalizeInto; a record outside it is judged there, for its reason. */
  dtInsideWindow(start: number, end: number, isString: boolean): boolean {
    const body = this.body;
    if (isString && this.lastDtStart !== -1 && sameBytes(body, start, end, this.lastDtStart, this.lastDtEnd))
      return this.lastDtInside;
    const text = latin1(body, isString ? start + 1 : start, isString ? end - 1 : end);
    const { receivedAtUs, window } = this.ctx;
    const time = resolveDt(isString ? text : Number(text), receivedAtUs);
    const inside = checkTimeWindow(time.timestampUs, receivedAtUs, window) === undefined;
    if (isString) {
      this.lastDtStart = start;
      this.lastDtEnd = end;
      this.lastDtInside = inside;
    }
    return inside;
  }

  nonEmptyString(): Verdict {
    const s = this.s;
    if (s.skipWhitespace() !== QUOTE) return s.value() ? UNSURE : MALFORMED;
    const start = s.pos;
    if (!s.string()) return MALFORMED;
    return s.pos - start > 2 ? VALID : UNSURE;
  }

  /** A finite number (toFiniteNumber), or UNSURE. */
  finite(): Verdict {
    const s = this.s;
    const c = s.skipWhitespace();
    if (c !== 0x2d && !(c >= 0x30 && c <= 0x39)) return s.value() ? UNSURE : MALFORMED;
    const start = s.pos;
    if (!s.number()) return MALFORMED;
    return !s.mayOverflow || Number.isFinite(s.numberValue(start)) ? VALID : UNSURE;
  }

  /** `{"value": <finite>}`, other members ignored as readSingle ignores them. */
  single(): Verdict {
    const s = this.s;
    if (s.skipWhitespace() !== OPEN_OBJECT) return s.value() ? UNSURE : MALFORMED;
    if (!s.open(CLOSE_OBJECT)) return UNSURE;
    let values = 0;
    let sure = true;
    for (;;) {
      if (!s.key()) return MALFORMED;
      let field: Verdict;
      if (s.keyIs(VALUE)) {
        values++;
        field = this.finite();
      } else {
        if (s.escaped) sure = false;
        field = s.value() ? VALID : MALFORMED;
      }
      if (field === MALFORMED) return MALFORMED;
      if (field === UNSURE) sure = false;
      const more = s.next(CLOSE_OBJECT);
      if (more === undefined) return MALFORMED;
      if (!more) break;
    }
    return sure && values === 1 ? VALID : UNSURE;
  }

  /** A histogram (`buckets` of upper_limit + count) or a summary (`quantiles` of quantile + value). */
  distribution(labelKey: Uint8Array, listKey: Uint8Array): Verdict {
    const s = this.s;
    if (s.skipWhitespace() !== OPEN_OBJECT) return s.value() ? UNSURE : MALFORMED;
    if (!s.open(CLOSE_OBJECT)) return UNSURE;
    let counts = 0;
    let sums = 0;
    let lists = 0;
    let sure = true;
    for (;;) {
      if (!s.key()) return MALFORMED;
      let field: Verdict;
      if (s.keyIs(COUNT)) {
        counts++;
        field = this.finite();
      } else if (s.keyIs(SUM)) {
        sums++;
        field = this.finite();
      } else if (s.keyIs(listKey)) {
        lists++;
        field = this.points(labelKey);
      } else {
        if (s.escaped) sure = false;
        field = s.value() ? VALID : MALFORMED;
      }
      if (field === MALFORMED) return MALFORMED;
      if (field === UNSURE) sure = false;
      const more = s.next(CLOSE_OBJECT);
      if (more === undefined) return MALFORMED;
      if (!more) break;
    }
    return sure && counts === 1 && sums === 1 && lists === 1 ? VALID : UNSURE;
  }

  /** The array of buckets or quantiles. */
  points(labelKey: Uint8Array): Verdict {
    const s = this.s;
    if (s.skipWhitespace() !== OPEN_ARRAY) return s.value() ? UNSURE : MALFORMED;
    if (!s.open(CLOSE_ARRAY)) return VALID;
    let sure = true;
    for (;;) {
      const point = this.point(labelKey);
      if (point === MALFORMED) return MALFORMED;
      if (point === UNSURE) sure = false;
      const more = s.next(CLOSE_ARRAY);
      if (more === undefined) return MALFORMED;
      if (!more) return sure ? VALID : UNSURE;
    }
  }

  /** `{"upper_limit": <finite or "inf"/"+Inf">, "count": <finite>}` or `{"quantile": <finite>, "value": <finite>}`. */
  point(labelKey: Uint8Array): Verdict {
    const s = this.s;
    if (s.skipWhitespace() !== OPEN_OBJECT) return s.value() ? UNSURE : MALFORMED;
    if (!s.open(CLOSE_OBJECT)) return UNSURE;
    const valueKey = labelKey === UPPER_LIMIT ? COUNT : VALUE;
    let labels = 0;
    let values = 0;
    let sure = true;
    for (;;) {
      if (!s.key()) return MALFORMED;
      let field: Verdict;
      if (s.keyIs(labelKey)) {
        labels++;
        field = labelKey === UPPER_LIMIT ? this.upperLimit() : this.finite();
      } else if (s.keyIs(valueKey)) {
        values++;
        field = this.finite();
      } else {
        if (s.escaped) sure = false;
        field = s.value() ? VALID : MALFORMED;
      }
      if (field === MALFORMED) return MALFORMED;
      if (field === UNSURE) sure = false;
      const more = s.next(CLOSE_OBJECT);
      if (more === undefined) return MALFORMED;
      if (!more) break;
    }
    return sure && labels === 1 && values === 1 ? VALID : UNSURE;
  }

  /** A finite bound, or the text "inf" / "+inf" in any case (upperLimitText). */
  upperLimit(): Verdict {
    const s = this.s;
    if (s.skipWhitespace() !== QUOTE) return this.finite();
    const start = s.pos + 1;
    if (!s.string()) return MALFORMED;
    const b = s.bytes;
    const length = s.pos - 1 - start;
    const at = length === 4 && b[start] === 0x2b ? start + 1 : start;
    const isInf =
      !s.escaped &&
      (length === 3 || (length === 4 && at === start + 1)) &&
      (b[at]! | 0x20) === 0x69 &&
      (b[at + 1]! | 0x20) === 0x6e &&
      (b[at + 2]! | 0x20) === 0x66;
    return isInf ? VALID : UNSURE;
  }

  /** null, or an object whose values are strings, numbers or booleans (readTags). */
  tags(): Verdict {
    const s = this.s;
    const c = s.skipWhitespace();
    if (c === 0x6e) return s.literal() ? VALID : MALFORMED;
    if (c !== OPEN_OBJECT) return s.value() ? UNSURE : MALFORMED;
    if (!s.open(CLOSE_OBJECT)) return VALID;
    let sure = true;
    for (;;) {
      if (!s.key()) return MALFORMED;
      const v = s.skipWhitespace();
      if (v === QUOTE) {
        if (!s.string()) return MALFORMED;
      } else if (v === 0x74 || v === 0x66) {
        if (!s.literal()) return MALFORMED;
      } else if (v === 0x2d || (v >= 0x30 && v <= 0x39)) {
        if (!s.number()) return MALFORMED;
      } else {
        if (!s.value()) return MALFORMED;
        sure = false;
      }
      const more = s.next(CLOSE_OBJECT);
      if (more === undefined) return MALFORMED;
      if (!more) return sure ? VALID : UNSURE;
    }
  }
}

function sameBytes(b: Uint8Array, start: number, end: number, otherStart: number, otherEnd: number): boolean {
  if (end - start !== otherEnd - otherStart) return false;
  for (let i = 0; i < end - start; i++) if (b[start + i] !== b[otherStart + i]) return false;
  return true;
}

/** Where the JSON starts: after a UTF-8 byte order mark, which bodyText strips too. */
function startAfterBom(body: Buffer): number {
  return body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
}
