import { KeyTable } from '@pipeline/json-scan';
import {
  type HoleReader,
  matchShape,
  RecordHoles,
  type RecordShape,
  RecordShapes,
  ShapeCursor,
} from '@pipeline/record-shapes';
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
  /** The body and the cursor in it, and where the document being read ends (ShapeMatcher). */
  readonly body: Uint8Array;
  pos: number;
  readonly end: number;
  /** A map (empty or not): enters it and returns a cursor state for member(). Anything else: skips it, END. */
  map(): number;
  /** The next member: reads its key and returns the state for the next call; END after the last. */
  member(state: number): number;
  /** The index in `keys` of the member just read's key (spelled exactly so), or -1. */
  keyIn(keys: KeyTable): number;
  /** The key might spell another one once decoded (a JSON escape): only the decoder can tell. */
  keyUnsure(): boolean;
  /** A list: enters it (state for element()); anything else: skips it, END. */
  list(): number;
  element(state: number): number;
  /** Skips one value; VALID, or MALFORMED. */
  skip(): Verdict;
  /** A number toFiniteNumber accepts. */
  finite(): Verdict;
  /** A sample's value: finite(), and noted in `holes` with its role when they are kept. */
  sampleValue(role: number): Verdict;
  /** Where the record's values and time lie, when the caller keeps them (the normalizer does). */
  holes: BetterStackHoles | undefined;
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

/** Roles of a value hole: a bucket's or quantile's index, or one of these. */
export const ROLE_VALUE = 0;
export const ROLE_SUM = -1;
export const ROLE_COUNT = -2;
export const ROLE_DT = -3;

/** The holes a Better Stack scan fills (record-shapes): the values, and the dt with its resolved time. */
export type BetterStackHoles = RecordHoles<ResolvedTime>;

export interface ScannedPayload {
  readonly accepted: number;
  readonly rejected: RejectedRecord[];
  readonly records: number;
}

/** The record members scanRecord looks at; K_* are their indexes in it. */
const RECORD_KEYS = new KeyTable(['name', 'gauge', 'counter', 'histogram', 'summary', 'tags', 'dt']);
const K_NAME = 0;
const K_GAUGE = 1;
const K_COUNTER = 2;
const K_HISTOGRAM = 3;
const K_SUMMARY = 4;
const K_TAGS = 5;
const K_DT = 6;

/** What eachJsonVerdict and eachMsgpackVerdict call with each record: `shape` when it matched its predicted one. */
export type VisitRecord<S, M> = (
  verdict: Verdict,
  start: number,
  end: number,
  shape: RecordShape<S, M> | undefined,
) => boolean;

/**
 * The record at the reader's cursor: read as the shape the cursor predicts when it is one
 * (ShapeMatcher; passed, then visited with it), else scanned and visited with its verdict, for the
 * visit to find or make its shape. False when the bytes are not a document or `visit` said so.
 */
export function visitRecord<S, M>(
  r: ByteReader,
  ctx: BetterStackContext,
  matcher: ShapeMatcher | undefined,
  cursor: ShapeCursor<S, M> | undefined,
  visit: VisitRecord<S, M>,
): boolean {
  const start = r.pos;
  if (matcher !== undefined && cursor !== undefined) {
    const predicted = cursor.predicted();
    if (predicted !== undefined && matcher.match(predicted)) {
      cursor.matched(predicted);
      return visit(VALID, start, r.pos, predicted);
    }
  }
  const verdict = scanRecord(r, ctx);
  return verdict !== MALFORMED && visit(verdict, start, r.pos, undefined);
}

/**
 * The receiver's shapes of VALID records (record-shapes), without series: a record of a known
 * shape is VALID when the tokens in its holes pass scanRecord's checks, which ShapeMatcher reads
 * without scanning the rest.
 */
export type VerdictShapes = RecordShapes<never>;

/** Shapes for a receiver's verdicts, at most `capacity` of them holding `maxBytes` (then they start over). */
export const createVerdictShapes = (capacity: number, maxBytes: number): VerdictShapes =>
  new RecordShapes<never>(capacity, undefined, maxBytes);

const verdictHoles = new RecordHoles<ResolvedTime>(false);
const verdictCursor = new ShapeCursor<never>();

/** One body's walk over the receiver's shapes (scanBetterStackJson and scanBetterStackMsgpack). */
export interface VerdictWalk {
  readonly holes: BetterStackHoles;
  readonly cursor: ShapeCursor<never>;
  /** Past a record: a VALID one not matched to its predicted shape is found by hash or made one. */
  pass(verdict: Verdict, start: number, end: number, known: RecordShape<never> | undefined): void;
  /** The body is done (`ok`) or not a document of records. */
  end(ok: boolean): void;
}

/** A walk over `shapes`, or undefined without them or while records do not repeat (worthWalking). */
export function verdictWalk(body: Uint8Array, shapes: VerdictShapes | undefined): VerdictWalk | undefined {
  if (shapes === undefined || !verdictCursor.begin(shapes, '')) return undefined;
  return {
    holes: verdictHoles,
    cursor: verdictCursor,
    pass(verdict, start, end, known) {
      if (known === undefined && verdict === VALID)
        verdictCursor.know(body, start, end, verdictHoles, () => undefined);
    },
    end: (ok) => verdictCursor.end(!ok),
  };
}

/** The verdict of the record at the reader's position (any value; only a map can be VALID). */
export function scanRecord(r: ByteReader, ctx: BetterStackContext): Verdict {
  r.holes?.clear();
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
    switch (r.keyIn(RECORD_KEYS)) {
      case K_NAME:
        names++;
        field = r.nonEmptyString();
        break;
      case K_GAUGE:
      case K_COUNTER:
        kinds++;
        field = mapOf(r, SINGLE);
        break;
      case K_HISTOGRAM:
        kinds++;
        field = mapOf(r, HISTOGRAM_BODY);
        break;
      case K_SUMMARY:
        kinds++;
        field = mapOf(r, SUMMARY_BODY);
        break;
      case K_TAGS:
        tags++;
        field = tagsValue(r);
        break;
      case K_DT: {
        dts++;
        const resolved = r.dt(ctx.receivedAtUs);
        if (resolved === UNSURE || resolved === MALFORMED) field = resolved;
        else {
          time = resolved;
          field = VALID;
          if (r.holes !== undefined) r.holes.time = resolved;
        }
        break;
      }
      default:
        if (r.keyUnsure()) sure = false;
        field = r.skip();
    }
    if (field === MALFORMED) return MALFORMED;
    if (field === UNSURE) sure = false;
  }
  if (r.broken) return MALFORMED;
  // A repeated key: the decoder keeps the last one, so leave it to the decoder.
  if (!sure || names !== 1 || kinds !== 1 || tags > 1 || dts > 1) return UNSURE;
  return inWindow(time, ctx) ? VALID : UNSURE;
}

/** Same window as normalizeInto; a record outside it is judged there, for its reason. */
const inWindow = (time: ResolvedTime | undefined, ctx: BetterStackContext) =>
  time === undefined || checkTimeWindow(time.timestampUs, ctx.receivedAtUs, ctx.window) === undefined;

/**
 * Reads a record as one of a known shape (record-shapes' matchShape): the tokens in its holes by
 * the same checks as scanRecord, so a record that matches a shape made from a VALID record is
 * VALID, and its holes are noted as scanRecord would have noted them.
 */
export class ShapeMatcher implements HoleReader {
  constructor(
    private readonly r: ByteReader,
    private readonly holes: BetterStackHoles,
    private readonly ctx: BetterStackContext,
  ) {
    r.holes = holes;
  }

  readHole(role: number, at: number): number {
    const r = this.r;
    r.pos = at;
    if (role !== ROLE_DT) return r.sampleValue(role) === VALID ? r.pos : -1;
    const time = r.dt(this.ctx.receivedAtUs);
    if (time === UNSURE || time === MALFORMED) return -1;
    this.holes.time = time;
    return r.pos;
  }

  /**
   * Whether the record at the cursor is a VALID one of `shape`: then the cursor is after it;
   * otherwise it is where it was, for scanRecord.
   */
  match(shape: RecordShape<unknown, unknown>): boolean {
    const r = this.r;
    const start = r.pos;
    const end = matchShape(shape, r.body, start, r.end, this.holes, this);
    if (end >= 0 && inWindow(this.holes.time, this.ctx)) {
      r.pos = end;
      return true;
    }
    r.broken = false;
    r.pos = start;
    return false;
  }
}

/** The check of a member's value; `point` is the index of the bucket or quantile it is in. */
type Check = (r: ByteReader, point: number) => Verdict;

/** The members a metric body must hold exactly once, and the check of each one's value. */
interface Fields {
  readonly keys: KeyTable;
  readonly checks: readonly Check[];
}

const fieldsOf = (spec: readonly (readonly [key: string, check: Check])[]): Fields => ({
  keys: new KeyTable(spec.map(([key]) => key)),
  checks: spec.map(([, check]) => check),
});

/**
 * A map holding each of `fields` exactly once, each passing its check; other members are ignored,
 * as readMetric ignores them. (A repeated one is the decoder's: it keeps the last.)
 */
function mapOf(r: ByteReader, fields: Fields, point = 0): Verdict {
  let m = r.map();
  if (m === END) return r.broken ? MALFORMED : UNSURE;
  let seen = 0;
  let sure = true;
  for (m = r.member(m); m !== END; m = r.member(m)) {
    let field: Verdict;
    const i = r.keyIn(fields.keys);
    if (i >= 0) {
      if (seen & (1 << i)) sure = false;
      seen |= 1 << i;
      field = fields.checks[i]!(r, point);
    } else {
      if (r.keyUnsure()) sure = false;
      field = r.skip();
    }
    if (field === MALFORMED) return MALFORMED;
    if (field === UNSURE) sure = false;
  }
  if (r.broken) return MALFORMED;
  return sure && seen === (1 << fields.checks.length) - 1 ? VALID : UNSURE;
}

/** A list whose every element passes `check`, given its index. */
function listOf(r: ByteReader, check: Check): Verdict {
  let l = r.list();
  if (l === END) return r.broken ? MALFORMED : UNSURE;
  let sure = true;
  let index = 0;
  for (l = r.element(l); l !== END; l = r.element(l)) {
    const v = check(r, index++);
    if (v === MALFORMED) return MALFORMED;
    if (v === UNSURE) sure = false;
  }
  if (r.broken) return MALFORMED;
  return sure ? VALID : UNSURE;
}

const finite: Check = (r) => r.finite();
/** A point's value: its sample is the point's index in expansion order (expandMetric). */
const pointValue: Check = (r, point) => r.sampleValue(point);
const sumValue: Check = (r) => r.sampleValue(ROLE_SUM);
const countValue: Check = (r) => r.sampleValue(ROLE_COUNT);
const BUCKET = fieldsOf([
  ['upper_limit', (r) => r.upperLimit()],
  ['count', pointValue],
]);
const QUANTILE_POINT = fieldsOf([
  ['quantile', finite],
  ['value', pointValue],
]);
/** `{"value": <finite>}` (readSingle). */
const SINGLE = fieldsOf([['value', (r) => r.sampleValue(ROLE_VALUE)]]);
/** A histogram: count, sum and `buckets` of upper_limit + count (readHistogram). */
const HISTOGRAM_BODY = fieldsOf([
  ['count', countValue],
  ['sum', sumValue],
  ['buckets', (r) => listOf(r, (p, i) => mapOf(p, BUCKET, i))],
]);
/** A summary: count, sum and `quantiles` of quantile + value (readSummary). */
const SUMMARY_BODY = fieldsOf([
  ['count', countValue],
  ['sum', sumValue],
  ['quantiles', (r) => listOf(r, (p, i) => mapOf(p, QUANTILE_POINT, i))],
]);

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
