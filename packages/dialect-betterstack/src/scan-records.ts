import type { RejectedRecord } from '@pipeline/sample-model';
import { checkTimeWindow } from '@pipeline/timestamp-rules';
import type { BetterStackContext } from './normalize-record.js';
import type { ResolvedTime } from './resolve-dt.js';

/**
 * The receiver's verdicts straight from a body's bytes, for JSON and MessagePack alike: the fast
 * path of `processBetterStackPayload(…, { statusOnly: true })`.
 *
 * It only ever vouches for records: one it finds valid where its bytes lie — every condition that
 * `normalizeInto` checks holds — is counted; every other record is decoded on its own and judged by
 * `normalizeInto` itself, so every reason a client reads comes from the one implementation of the
 * rules. Bytes that are not a document make the caller take the full path, whose decoder names the
 * fault. The shape of a valid record is written once, here, over a `ByteReader`; scan-json.ts and
 * scan-msgpack.ts read the two formats. Their tests check with fast-check that both paths reach the
 * same verdicts.
 */
export const VALID = 0;
/** Well-formed, but not vouched for: decoded on its own and judged by normalizeInto. */
export const UNSURE = 1;
/** Not a document: the whole body takes the full path. */
export const MALFORMED = 2;
export type Verdict = typeof VALID | typeof UNSURE | typeof MALFORMED;

/** Returned by member() and element() past the last one; by map() and list() for another kind of value. */
export const END = -100;

/**
 * A cursor over one format. Every method starts at a value (or inside a map or list) and leaves
 * the cursor after what it read; on bytes that are not a document it sets `broken` and returns
 * END or MALFORMED.
 */
export interface ByteReader {
  broken: boolean;
  /** A map (empty or not): enters it and returns a cursor state for member(). Anything else: skips it, END. */
  map(): number;
  /** The next member: reads its key and returns the state for the next call; END after the last. */
  member(state: number): number;
  /** The key of the member just read is exactly `key`. */
  keyIs(key: Uint8Array): boolean;
  /** The key might spell another one once decoded (a JSON escape): only the decoder can tell. */
  keyUnsure(): boolean;
  /** A list: enters it (state for element()); anything else: skips it, END. */
  list(): number;
  element(state: number): number;
  /** Skips one value; VALID, or MALFORMED. */
  skip(): Verdict;
  /** A number toFiniteNumber accepts. */
  finite(): Verdict;
  /** A string of at least one character. */
  nonEmptyString(): Verdict;
  /** A finite number, +Infinity, or the text "inf" / "+inf" in any case (upperLimitText). */
  upperLimit(): Verdict;
  /** null (no tags): VALID. */
  nullValue(): boolean;
  /** A string, number or boolean (readTags). */
  tagValue(): Verdict;
  /**
   * A `dt` resolved by resolveDt: the time, undefined for null (no dt), or UNSURE / MALFORMED when
   * this reader does not resolve such a value itself.
   */
  dt(receivedAtUs: number): ResolvedTime | undefined | typeof UNSURE | typeof MALFORMED;
}

export interface ScannedPayload {
  readonly accepted: number;
  readonly rejected: RejectedRecord[];
  readonly records: number;
}

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const NAME = ascii('name');
const GAUGE = ascii('gauge');
const COUNTER = ascii('counter');
const HISTOGRAM = ascii('histogram');
const SUMMARY = ascii('summary');
const TAGS = ascii('tags');
const DT = ascii('dt');
const VALUE = ascii('value');
const COUNT = ascii('count');
const SUM = ascii('sum');
const BUCKETS = ascii('buckets');
const UPPER_LIMIT = ascii('upper_limit');
const QUANTILES = ascii('quantiles');
const QUANTILE = ascii('quantile');

/** The verdict of the record at the reader's position (any value; only a map can be VALID). */
export function scanRecord(r: ByteReader, ctx: BetterStackContext): Verdict {
  let m = r.map();
  if (m === END) return r.broken ? MALFORMED : UNSURE;
  let sure = true;
  let names = 0;
  let kinds = 0;
  let tags = 0;
  let dts = 0;
  let time: ResolvedTime | undefined;
  for (m = r.member(m); m !== END; m = r.member(m)) {
    let field: Verdict;
    if (r.keyIs(NAME)) {
      names++;
      field = r.nonEmptyString();
    } else if (r.keyIs(GAUGE) || r.keyIs(COUNTER)) {
      kinds++;
      field = single(r);
    } else if (r.keyIs(HISTOGRAM)) {
      kinds++;
      field = distribution(r, UPPER_LIMIT, BUCKETS);
    } else if (r.keyIs(SUMMARY)) {
      kinds++;
      field = distribution(r, QUANTILE, QUANTILES);
    } else if (r.keyIs(TAGS)) {
      tags++;
      field = tagsValue(r);
    } else if (r.keyIs(DT)) {
      dts++;
      const resolved = r.dt(ctx.receivedAtUs);
      if (resolved === UNSURE || resolved === MALFORMED) field = resolved;
      else {
        time = resolved;
        field = VALID;
      }
    } else {
      if (r.keyUnsure()) sure = false;
      field = r.skip();
    }
    if (field === MALFORMED) return MALFORMED;
    if (field === UNSURE) sure = false;
  }
  if (r.broken) return MALFORMED;
  // A repeated key: the decoder keeps the last one, so leave it to the decoder.
  if (!sure || names !== 1 || kinds !== 1 || tags > 1 || dts > 1) return UNSURE;
  if (time === undefined) return VALID;
  // Same window as normalizeInto; a record outside it is judged there, for its reason.
  return checkTimeWindow(time.timestampUs, ctx.receivedAtUs, ctx.window) === undefined ? VALID : UNSURE;
}

/** `{"value": <finite>}`, other members ignored as readSingle ignores them. */
function single(r: ByteReader): Verdict {
  let m = r.map();
  if (m === END) return r.broken ? MALFORMED : UNSURE;
  let values = 0;
  let sure = true;
  for (m = r.member(m); m !== END; m = r.member(m)) {
    let field: Verdict;
    if (r.keyIs(VALUE)) {
      values++;
      field = r.finite();
    } else {
      if (r.keyUnsure()) sure = false;
      field = r.skip();
    }
    if (field === MALFORMED) return MALFORMED;
    if (field === UNSURE) sure = false;
  }
  if (r.broken) return MALFORMED;
  return sure && values === 1 ? VALID : UNSURE;
}

/** A histogram (`buckets` of upper_limit + count) or a summary (`quantiles` of quantile + value). */
function distribution(r: ByteReader, labelKey: Uint8Array, listKey: Uint8Array): Verdict {
  let m = r.map();
  if (m === END) return r.broken ? MALFORMED : UNSURE;
  let counts = 0;
  let sums = 0;
  let lists = 0;
  let sure = true;
  for (m = r.member(m); m !== END; m = r.member(m)) {
    let field: Verdict;
    if (r.keyIs(COUNT)) {
      counts++;
      field = r.finite();
    } else if (r.keyIs(SUM)) {
      sums++;
      field = r.finite();
    } else if (r.keyIs(listKey)) {
      lists++;
      field = points(r, labelKey);
    } else {
      if (r.keyUnsure()) sure = false;
      field = r.skip();
    }
    if (field === MALFORMED) return MALFORMED;
    if (field === UNSURE) sure = false;
  }
  if (r.broken) return MALFORMED;
  return sure && counts === 1 && sums === 1 && lists === 1 ? VALID : UNSURE;
}

function points(r: ByteReader, labelKey: Uint8Array): Verdict {
  let l = r.list();
  if (l === END) return r.broken ? MALFORMED : UNSURE;
  let sure = true;
  for (l = r.element(l); l !== END; l = r.element(l)) {
    const p = point(r, labelKey);
    if (p === MALFORMED) return MALFORMED;
    if (p === UNSURE) sure = false;
  }
  if (r.broken) return MALFORMED;
  return sure ? VALID : UNSURE;
}

/** `{"upper_limit": …, "count": <finite>}` or `{"quantile": <finite>, "value": <finite>}`. */
function point(r: ByteReader, labelKey: Uint8Array): Verdict {
  let m = r.map();
  if (m === END) return r.broken ? MALFORMED : UNSURE;
  const valueKey = labelKey === UPPER_LIMIT ? COUNT : VALUE;
  let labels = 0;
  let values = 0;
  let sure = true;
  for (m = r.member(m); m !== END; m = r.member(m)) {
    let field: Verdict;
    if (r.keyIs(labelKey)) {
      labels++;
      field = labelKey === UPPER_LIMIT ? r.upperLimit() : r.finite();
    } else if (r.keyIs(valueKey)) {
      values++;
      field = r.finite();
    } else {
      if (r.keyUnsure()) sure = false;
      field = r.skip();
    }
    if (field === MALFORMED) return MALFORMED;
    if (field === UNSURE) sure = false;
  }
  if (r.broken) return MALFORMED;
  return sure && labels === 1 && values === 1 ? VALID : UNSURE;
}

/** null, or a map whose values are strings, numbers or booleans (readTags). */
function tagsValue(r: ByteReader): Verdict {
  if (r.nullValue()) return VALID;
  let m = r.map();
  if (m === END) return r.broken ? MALFORMED : UNSURE;
  let sure = true;
  for (m = r.member(m); m !== END; m = r.member(m)) {
    const field = r.tagValue();
    if (field === MALFORMED) return MALFORMED;
    if (field === UNSURE) sure = false;
  }
  if (r.broken) return MALFORMED;
  return sure ? VALID : UNSURE;
}

/** "inf" or "+inf", any case, in bytes[start, end): what upperLimitText takes for +Inf. */
export function isInfText(b: Uint8Array, start: number, end: number): boolean {
  const length = end - start;
  const at = length === 4 && b[start] === 0x2b ? start + 1 : start;
  return (
    (length === 3 || (length === 4 && at === start + 1)) &&
    (b[at]! | 0x20) === 0x69 &&
    (b[at + 1]! | 0x20) === 0x6e &&
    (b[at + 2]! | 0x20) === 0x66
  );
}

/** Counts records and gathers the rejected ones, judged by `judge` (decode alone + normalizeInto). */
export class RecordTally {
  records = 0;
  readonly rejected: RejectedRecord[] = [];

  /** Adds the record whose verdict is given; false when the body is not a document. */
  add(verdict: Verdict, judge: (index: number) => RejectedRecord | undefined): boolean {
    if (verdict === MALFORMED) return false;
    const index = this.records++;
    if (verdict === UNSURE) {
      const rejected = judge(index);
      if (rejected !== undefined) this.rejected.push(rejected);
    }
    return true;
  }

  result(): ScannedPayload | undefined {
    // A body without records is the full path's to describe.
    return this.records === 0
      ? undefined
      : { accepted: this.records - this.rejected.length, rejected: this.rejected, records: this.records };
  }
}
