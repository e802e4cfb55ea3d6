import {
  isNumberStart,
  JsonScanner,
  KeyTable,
  latin1,
  rangesEqual,
  sameRange,
  scanElements,
  scanLines,
  startAfterBom,
} from '@pipeline/json-scan';
import {
  type BodyReader,
  type BodyShape,
  BodyShapes,
  matchBody,
  matchShape,
  RecordHoles,
  type RecordShape,
  RecordShapes,
  ShapeCursor,
} from '@pipeline/record-shapes';
import type { MetricType, RejectedRecord } from '@pipeline/sample-model';
import { MAX_LABEL_KEY_LENGTH } from './labels.js';
import { parseMetricType } from './metric-type.js';
import { formatStreamName } from './names.js';
import { normalizeRecord } from './normalize-record.js';
import { StreamTally } from './stream-status.js';
import { resolveTimestamp } from './timestamp.js';
import { PayloadTypes } from './type-registry.js';
import type { OpenObserveContext, StreamStatus, TypeRegistration } from './types.js';

/**
 * The receiver's per-stream counts of a JSON array or NDJSON body, straight from its bytes: the fast path of
 * `processOpenObservePayload(…, { statusOnly: true })`, for the same reason as Better Stack's
 * (JSON.parse building every record, and the string it needs, were two thirds of the verdict).
 *
 * It only ever vouches for records. One whose bytes show that every check of `normalizeRecord`
 * before the type registry holds (a plain `__name__` and `__type__`, a finite `value`, a numeric
 * timestamp that resolves, scalar labels, few enough fields, no repeated or escaped key) goes
 * through the same `PayloadTypes.admit` as the full path; every other record is parsed alone and
 * judged by `normalizeRecord` itself, so every reason a client reads comes from the one
 * implementation of the rules. A pretty-printed object, a body that is not JSON or one without
 * records takes the full path, whose decoder names the fault or the emptiness. scan-json.test.ts checks with fast-check that both paths agree.
 */
export interface ScannedStatuses {
  readonly streams: StreamStatus[];
  readonly rejected: RejectedRecord[];
  readonly registrations: TypeRegistration[];
  readonly records: number;
}

const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;

export const VOUCHED = 0;
const UNSURE = 1;
const MALFORMED = 2;
type Verdict = typeof VOUCHED | typeof UNSURE | typeof MALFORMED;

/** Roles of the holes a scan notes (record-shapes): the value and the two timestamps. */
export const ROLE_VALUE = 0;
const ROLE_TIMESTAMP = 1;
const ROLE_AT_TIMESTAMP = 2;
/** The holes an OpenObserve scan fills; their time is the record's resolved timestamp in µs. */
export type OpenObserveHoles = RecordHoles<number>;

/**
 * What a shape keeps of its records besides their series: the stream and type their bytes name,
 * and how many fields they count against maxFieldsPerRecord. The scanner exposes the same of the
 * record it vouched for last.
 */
export interface RecordStream {
  readonly stream: string;
  readonly type: MetricType;
  readonly fields: number;
}

/** A copy of what `record` names, to keep with its shape. */
export const streamOf = (record: RecordStream): RecordStream => ({
  stream: record.stream,
  type: record.type,
  fields: record.fields,
});

/** Shapes of vouched OpenObserve records (record-shapes); S is what the caller keeps per series. */
export type OpenObserveShapes<S> = RecordShapes<S, RecordStream>;
type OpenObserveShape<S> = RecordShape<S, RecordStream>;
type OpenObserveBody = BodyShape<never, RecordStream>;

/** Shapes for the normalizer's samples, or without series (never) for a receiver's statuses. */
export const createOpenObserveShapes = <S>(capacity?: number, maxBytes?: number): OpenObserveShapes<S> =>
  new RecordShapes<S, RecordStream>(capacity, undefined, maxBytes, sameStream);

/** Records of one stream and type with as many fields can share one meta (RecordShapes). */
const sameStream = (a: RecordStream, b: RecordStream): boolean =>
  a.stream === b.stream && a.type === b.type && a.fields === b.fields;

const FIELD_KEYS = new KeyTable(['__name__', '__type__', 'value', '_timestamp', '@timestamp']);
const K_NAME = 0;
const K_TYPE = 1;
const K_VALUE = 2;
const K_TIMESTAMP = 3;
// 4: @timestamp, read only when there is no _timestamp.

/** Reads records; a vouched one leaves its stream and type here. */
class RecordScanner implements BodyReader, RecordStream {
  readonly s = new JsonScanner();
  /** Where the values and timestamps lie, when the caller keeps them (the normalizer does). */
  holes: OpenObserveHoles | undefined;
  stream = '';
  type: MetricType = 'gauge';
  fields = 0;
  // Records of a body mostly repeat the previous record's name and type: the same bytes (no escape
  // in them) are the same string, already formatted and parsed.
  #nameStart = -1;
  #nameEnd = -1;
  #lastStream = '';
  #typeStart = -1;
  #typeEnd = -1;
  #lastType: MetricType | undefined;
  // …and mostly one timestamp (a scrape's): the same digits are the same number, and in a hole they
  // need not even be scanned (readHole).
  #timeStart = -1;
  #timeEnd = -1;
  #timeValue = 0;
  /** The last `_timestamp` resolved, and what it resolved to. */
  #resolvedFrom: number | undefined;
  #resolved = 0;
  /**
   * Whether match() notes a matched record's holes: the normalizer reads their values, a
   * receiver's verdict only the three numbers below, which match() checks as record() would
   * (without the notes and the loop over them, the verdicts of the bench's OpenObserve bodies took
   * 0.95–0.97x the CPU, docs/benchmarks.md, twenty-fifth round).
   */
  notesMatched = true;
  // The value and timestamps in the holes of the record being matched; NaN where it has none (the
  // scanner's numbers never are).
  #holeValue = Number.NaN;
  #holeTimestamp = Number.NaN;
  #holeAtTimestamp = Number.NaN;

  constructor(private readonly ctx: OpenObserveContext) {}

  /** The record at the cursor (any value): VOUCHED, UNSURE, or MALFORMED when the bytes are not JSON. */
  record(): Verdict {
    const s = this.s;
    const holes = this.holes;
    holes?.clear();
    if (s.skipWhitespace() !== OPEN_OBJECT) return s.value() ? UNSURE : MALFORMED;
    if (!s.open(CLOSE_OBJECT)) return UNSURE; // {} has no __name__
    let sure = true;
    let seen = 0;
    let fields = 0;
    let nameStart = -1;
    let nameEnd = -1;
    let nameNonAscii = false;
    let typeStart = -1;
    let typeEnd = -1;
    let value = Number.NaN;
    let timestamp: number | undefined;
    let atTimestamp: number | undefined;
    for (;;) {
      if (!s.key()) return MALFORMED;
      // An escaped key may spell one of the fields once decoded: only the decoder can tell.
      const k = s.escaped ? -1 : FIELD_KEYS.indexOf(s.bytes, s.keyStart, s.keyEnd);
      if (s.escaped) sure = false;
      if (k >= 0) {
        // A repeated field: JSON.parse keeps the last one, so leave it to JSON.parse.
        if (seen & (1 << k)) sure = false;
        seen |= 1 << k;
        fields++;
      }
      const c = s.skipWhitespace();
      if (k === K_NAME || k === K_TYPE) {
        if (c !== QUOTE) {
          if (!s.value()) return MALFORMED;
          sure = false;
        } else {
          const start = s.pos + 1;
          if (!s.string()) return MALFORMED;
          if (s.escaped || s.pos - 1 === start) sure = false;
          else if (k === K_NAME) {
            nameStart = start;
            nameEnd = s.pos - 1;
            nameNonAscii = s.nonAscii;
          } else if (s.nonAscii) sure = false;
          else {
            typeStart = start;
            typeEnd = s.pos - 1;
          }
        }
      } else if (k >= 0) {
        // value, _timestamp, @timestamp: numbers (a timestamp in another form is the decoder's).
        if (!isNumberStart(c)) {
          if (!s.value()) return MALFORMED;
          sure = false;
        } else {
          const start = s.pos;
          if (!s.number()) return MALFORMED;
          const n = this.#numberAt(start, k === K_VALUE);
          if (k === K_VALUE) value = n;
          else if (k === K_TIMESTAMP) timestamp = n;
          else atTimestamp = n; // @timestamp
          holes?.add(
            start,
            s.pos,
            k === K_VALUE ? ROLE_VALUE : k === K_TIMESTAMP ? ROLE_TIMESTAMP : ROLE_AT_TIMESTAMP,
            n,
          );
        }
      } else {
        // A label: a scalar under a key that stays within the limit once formatted (ASCII keeps
        // its length; other text may not). Objects and arrays flatten into more fields.
        if (s.keyEnd - s.keyStart > MAX_LABEL_KEY_LENGTH || s.nonAscii) sure = false;
        fields++;
        let ok: boolean;
        if (c === QUOTE) ok = s.string();
        else if (c === 0x74 || c === 0x66 || c === 0x6e) ok = s.literal();
        else if (isNumberStart(c)) ok = s.number();
        else {
          ok = s.value();
          sure = false;
        }
        if (!ok) return MALFORMED;
      }
      const more = s.next(CLOSE_OBJECT);
      if (more === undefined) return MALFORMED;
      if (!more) break;
    }
    if (!sure || nameStart < 0 || typeStart < 0) return UNSURE;
    if (fields > this.ctx.maxFieldsPerRecord) return UNSURE;
    const type = this.#typeOf(typeStart, typeEnd);
    if (type === undefined) return UNSURE;
    const resolved = this.#timeOf(value, timestamp, atTimestamp);
    if (resolved === undefined) return UNSURE;
    if (holes !== undefined) holes.time = resolved;
    this.type = type;
    this.stream = this.#streamOf(nameStart, nameEnd, nameNonAscii);
    this.fields = fields;
    return VOUCHED;
  }

  /** The record's time, when its value is finite and its timestamp resolves (normalizeRecord's checks). */
  #timeOf(value: number, timestamp: number | undefined, atTimestamp: number | undefined): number | undefined {
    if (!Number.isFinite(value)) return undefined;
    // A body's records mostly share one timestamp: resolved once.
    if (timestamp !== undefined && timestamp === this.#resolvedFrom) return this.#resolved;
    const resolved =
      timestamp !== undefined
        ? resolveTimestamp('_timestamp', timestamp, this.ctx.receivedAtUs)
        : resolveTimestamp('@timestamp', atTimestamp, this.ctx.receivedAtUs);
    if (typeof resolved === 'object') return undefined;
    if (timestamp !== undefined) {
      this.#resolvedFrom = timestamp;
      this.#resolved = resolved;
    }
    return resolved;
  }

  /** A hole's token: a number, as record() reads the value and the timestamps. */
  readHole(role: number, at: number): number {
    const s = this.s;
    s.pos = at;
    if (!isNumberStart(s.skipWhitespace())) return -1;
    const start = s.pos;
    let n: number;
    const end = role === ROLE_VALUE ? -1 : this.#sameTimeAt(start);
    if (end >= 0) {
      s.pos = end;
      n = this.#timeValue;
    } else {
      if (!s.number()) return -1;
      n = this.#numberAt(start, role === ROLE_VALUE);
    }
    if (role === ROLE_VALUE) this.#holeValue = n;
    else if (role === ROLE_TIMESTAMP) this.#holeTimestamp = n;
    else this.#holeAtTimestamp = n;
    if (this.notesMatched) this.holes!.add(start, s.pos, role, n);
    return s.pos;
  }

  /**
   * The number just read from `start`. A value whose number nobody keeps is only checked for
   * being finite, and one that cannot overflow is: 0 stands for it.
   */
  #numberAt(start: number, isValue: boolean): number {
    const s = this.s;
    if (isValue) return s.mayOverflow || this.holes?.keepsValues === true ? s.numberValue(start) : 0;
    const end = s.pos;
    if (this.#timeStart >= 0 && rangesEqual(s.bytes, s.view, start, end, this.#timeStart, this.#timeEnd))
      return this.#timeValue;
    this.#timeStart = start;
    this.#timeEnd = end;
    this.#timeValue = s.numberValue(start);
    return this.#timeValue;
  }

  /**
   * Where the timestamp token at `start` ends when it is the last one read, byte for byte, and
   * number() would end it there too (no digit, point or exponent follows); else -1.
   */
  #sameTimeAt(start: number): number {
    if (this.#timeStart < 0) return -1;
    const s = this.s;
    const b = s.bytes;
    const end = start + (this.#timeEnd - this.#timeStart);
    if (end > s.end || !sameRange(b, s.view, start, end, this.#timeStart)) return -1;
    if (end < s.end) {
      const c = b[end]!;
      if ((c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45) return -1;
    }
    return end;
  }

  /**
   * Whether the record at the cursor is a vouched one of `shape`, one made from a vouched record
   * (record-shapes' matchShape): only its holes differ, so it is when its value and timestamps
   * pass the same checks. Then the cursor is after it, its holes noted, and its stream and type the
   * shape's; otherwise the cursor is where it was.
   */
  match(shape: OpenObserveShape<unknown>): boolean {
    const s = this.s;
    const holes = this.holes!;
    const start = s.pos;
    // Shapes outlive a context: the limit is checked again (a process keeps one).
    if (shape.meta.fields > this.ctx.maxFieldsPerRecord) return false;
    this.#clearHoles();
    const end = matchShape(shape, s.bytes, start, s.end, holes, this);
    const time = end >= 0 ? this.#matchedTime() : undefined;
    if (time !== undefined) {
      holes.time = time;
      this.stream = shape.meta.stream;
      this.type = shape.meta.type;
      this.fields = shape.meta.fields;
      s.pos = end;
      return true;
    }
    s.pos = start;
    return false;
  }

  /**
   * Whether the body from the cursor on is one of `body` (matchBody), each record checked as
   * match() checks it: then the cursor is after its `]`; otherwise where it was.
   */
  readBody(body: OpenObserveBody): boolean {
    const s = this.s;
    const start = s.pos;
    this.#clearHoles();
    const end = matchBody(body, s.bytes, start, s.end, this);
    if (end < 0) {
      s.pos = start;
      return false;
    }
    s.pos = end;
    return true;
  }

  /** After matchBody read a record's holes: whether its value and timestamps pass, as match() checks them. */
  recordRead(): boolean {
    return this.#matchedTime() !== undefined;
  }

  /** The time of the record whose holes were just read (#timeOf); its holes emptied for the next. */
  #matchedTime(): number | undefined {
    const timestamp = this.#holeTimestamp;
    const atTimestamp = this.#holeAtTimestamp;
    const time = this.#timeOf(
      this.#holeValue,
      Number.isNaN(timestamp) ? undefined : timestamp,
      Number.isNaN(atTimestamp) ? undefined : atTimestamp,
    );
    this.#clearHoles();
    return time;
  }

  #clearHoles(): void {
    this.#holeValue = Number.NaN;
    this.#holeTimestamp = Number.NaN;
    this.#holeAtTimestamp = Number.NaN;
  }

  #typeOf(start: number, end: number): MetricType | undefined {
    const b = this.s.bytes;
    if (
      this.#lastType !== undefined &&
      rangesEqual(b, this.s.view, start, end, this.#typeStart, this.#typeEnd)
    )
      return this.#lastType;
    const parsed = parseMetricType(latin1(b, start, end));
    if (typeof parsed === 'object') return undefined;
    this.#typeStart = start;
    this.#typeEnd = end;
    this.#lastType = parsed;
    return parsed;
  }

  #streamOf(start: number, end: number, nonAscii: boolean): string {
    const b = this.s.bytes;
    if (this.#nameStart >= 0 && rangesEqual(b, this.s.view, start, end, this.#nameStart, this.#nameEnd))
      return this.#lastStream;
    this.#lastStream = formatStreamName(nonAscii ? b.toString('utf8', start, end) : latin1(b, start, end));
    this.#nameStart = start;
    this.#nameEnd = end;
    return this.#lastStream;
  }
}

const statusHoles: OpenObserveHoles = new RecordHoles<number>(false);
const statusCursor = new ShapeCursor<never, RecordStream>();
/**
 * A receiver's body shapes (record-shapes' BodyShapes), their bytes bounded as its record shapes'
 * are (VERDICT_SHAPE_BYTES): each holds a copy of its records' spans. Exported for tests.
 */
export const STATUS_BODY_BYTES = 16 * 1024 * 1024;
export const statusBodies = new BodyShapes<never, RecordStream>(STATUS_BODY_BYTES);
/** The shapes of the records of the body being walked, while it may become a body shape. */
const walkedShapes: OpenObserveShape<never>[] = [];

/**
 * The statuses of a JSON array or NDJSON body; undefined when the full path must decide (bytes that
 * are not JSON, a pretty-printed object, a body without records), so that its decoder names why.
 * With `shapes`, records of a shape seen before are read as such (RecordScanner.match).
 */
export function scanOpenObserveJson(
  body: Buffer,
  ctx: OpenObserveContext,
  shapes?: OpenObserveShapes<never>,
): ScannedStatuses | undefined {
  const walking = shapes !== undefined && statusCursor.begin(shapes, '');
  if (walking) {
    const known = statusesOfKnownBody(body, ctx);
    if (known !== undefined) {
      statusCursor.end();
      return known;
    }
    statusCursor.rewind();
  }
  const count = new StatusCount(body, ctx, walking);
  const visit: VisitRecord<never> = (verdict, start, end, vouched, known) =>
    count.visit(verdict, start, end, vouched, known);
  const ok = walking
    ? (walkStatusArray(body, ctx, count) ??
      eachOpenObserveVerdict(body, ctx, statusHoles, statusCursor, visit))
    : eachOpenObserveVerdict(body, ctx, undefined, undefined, visit);
  if (walking) statusCursor.end(!ok);
  return ok ? count.finish() : undefined;
}

/**
 * scanOpenObserveJson's counts, record by record (visit). A record read against a known shape
 * whose meta (stream, type, fields) is that of the record before it, which was admitted, is only
 * counted (extendsRun): `PayloadTypes.admit` would take the same stream and type the same way,
 * since no other record was admitted in between. The run's records are tallied at once when it
 * ends, before anything else is, so streams keep the order in which they first appear.
 */
class StatusCount {
  readonly types: PayloadTypes;
  readonly tally = new StreamTally();
  readonly rejected: RejectedRecord[] = [];
  records = 0;
  #runMeta: RecordStream | undefined;
  #run = 0;

  constructor(
    readonly body: Buffer,
    readonly ctx: OpenObserveContext,
    readonly walking: boolean,
  ) {
    this.types = new PayloadTypes(ctx.knownTypes);
  }

  /** Counts one more record of `meta` when it continues the run: true if it did. */
  extendsRun(meta: RecordStream): boolean {
    if (meta !== this.#runMeta) return false;
    this.records++;
    this.#run++;
    return true;
  }

  endRun(): void {
    if (this.#run > 0) this.tally.succeededMany(this.#runMeta!.stream, this.#run);
    this.#runMeta = undefined;
    this.#run = 0;
  }

  /** The body's statuses, its last run tallied. */
  finish(): ScannedStatuses {
    this.endRun();
    return {
      streams: this.tally.statuses(),
      rejected: this.rejected,
      registrations: this.types.registrations,
      records: this.records,
    };
  }

  /**
   * Counts `records` vouched records of `meta` in a row, admitted as visit() admits the first of a
   * run; false, counting nothing, when the type is refused (the caller then walks the body).
   */
  countRun(meta: RecordStream, records: number): boolean {
    this.endRun();
    if (this.types.admit(meta.stream, meta.type) !== undefined) return false;
    this.#runMeta = meta;
    this.#run = records;
    this.records += records;
    return true;
  }

  /**
   * The record in body[start, end): its verdict, its stream and type when VOUCHED, and its shape
   * when it was read against one.
   */
  visit(
    verdict: number,
    start: number,
    end: number,
    vouched: RecordStream,
    known: OpenObserveShape<never> | undefined,
  ): boolean {
    if (known !== undefined && this.extendsRun(known.meta)) return true;
    this.endRun();
    const index = this.records++;
    const body = this.body;
    if (verdict === VOUCHED) {
      const { stream, type } = vouched;
      const shape =
        known ??
        (this.walking
          ? statusCursor.know(body, start, end, statusHoles, () => streamOf(vouched))
          : undefined);
      const reason = this.types.admit(stream, type);
      if (reason !== undefined) {
        this.tally.failed(stream, reason);
        this.rejected.push({ index, reason, record: parseRecord(body, start, end) });
      } else if (shape !== undefined) {
        this.#runMeta = shape.meta;
        this.#run = 1;
      } else this.tally.succeeded(stream);
      return true;
    }
    const record = parseRecord(body, start, end);
    const result = normalizeRecord(record, this.ctx, this.types);
    if (result.ok) this.tally.succeeded(result.stream);
    else {
      this.tally.failed(result.stream, result.reason);
      this.rejected.push({ index, reason: result.reason, record });
    }
    return true;
  }
}

/** A scanner for a receiver's statuses: holes placed for shapes, their numbers kept in fields. */
function statusScanner(ctx: OpenObserveContext): RecordScanner {
  const r = new RecordScanner(ctx);
  r.holes = statusHoles;
  r.notesMatched = false;
  return r;
}

/**
 * The statuses of a body of a known body shape (record-shapes' BodyShapes), found by the shape of
 * its first record: read in one loop (RecordScanner.readBody), each record checked as match()
 * checks it, then counted run by run as the walk would count them. Undefined when the body is
 * not one, or a type is refused, or a record fails a check: then the walk decides, record by
 * record, and names the reasons.
 */
function statusesOfKnownBody(body: Buffer, ctx: OpenObserveContext): ScannedStatuses | undefined {
  const open = startAfterBom(body);
  if (body[open] !== OPEN_ARRAY || body[open + 1] !== OPEN_OBJECT) return undefined;
  const r = statusScanner(ctx);
  const s = r.s;
  // The first record's shape, as the walk would find it.
  s.reset(body, open + 1, body.length);
  const predicted = statusCursor.predicted();
  let first: OpenObserveShape<never> | undefined;
  if (predicted !== undefined && r.match(predicted)) first = predicted;
  else if (r.record() === VOUCHED) first = statusCursor.find(body, open + 1, s.pos, statusHoles);
  const known = first === undefined ? undefined : statusBodies.get(first);
  if (known === undefined) return undefined;
  // Shapes outlive a context, as in match(); a lower limit is no fault of the body's.
  for (const run of known.runs) if (run.meta.fields > ctx.maxFieldsPerRecord) return undefined;
  s.pos = open;
  if (!r.readBody(known) || s.skipWhitespace() !== -1) {
    statusBodies.failed(first!);
    return undefined;
  }
  const count = new StatusCount(body, ctx, true);
  for (const run of known.runs) if (!count.countRun(run.meta, run.records)) return undefined;
  statusCursor.rewind();
  statusCursor.passedBody(known);
  return count.finish();
}

/**
 * A JSON array body's walk over shapes for its statuses: eachOpenObserveVerdict's, written out, so
 * that a record of the run being counted costs its match and no call through `visit` and
 * scanElements' callback: the verdicts of the bench's OpenObserve bodies took 0.79–0.90x the CPU,
 * and neither the loop nor the runs alone gained (docs/benchmarks.md, twenty-fourth round).
 * Undefined when the body is not an array (NDJSON takes eachOpenObserveVerdict), false when it is
 * not JSON. A body whose records all came in an order met before, and were all accepted, is kept
 * as a body shape (statusesOfKnownBody).
 */
function walkStatusArray(body: Buffer, ctx: OpenObserveContext, count: StatusCount): boolean | undefined {
  const r = statusScanner(ctx);
  const s = r.s;
  s.reset(body, startAfterBom(body), body.length);
  if (s.skipWhitespace() !== OPEN_ARRAY) return undefined;
  // Whether the body may become a body shape: so far its records are vouched, each but the first
  // read against its predicted shape (the order was met before), with nothing but commas between
  // them and nothing before its `[` (statusesOfKnownBody looks from there). `end` is where the
  // last record (or the `[`) ends.
  let end = s.pos;
  let learning = end === startAfterBom(body);
  walkedShapes.length = 0;
  // The first record's shape, if it has one.
  let opener: OpenObserveShape<never> | undefined;
  let first = true;
  if (s.open(CLOSE_ARRAY)) {
    for (;;) {
      s.skipWhitespace();
      const start = s.pos;
      if (start !== end + 1) learning = false;
      const predicted = statusCursor.predicted();
      if (predicted !== undefined && r.match(predicted)) {
        statusCursor.matched(predicted);
        if (!count.extendsRun(predicted.meta)) count.visit(VOUCHED, start, s.pos, r, predicted);
        if (learning) walkedShapes.push(predicted);
        if (first) opener = predicted;
      } else {
        const verdict = r.record();
        if (verdict === MALFORMED) return false;
        count.visit(verdict, start, s.pos, r, undefined);
        if (first && verdict === VOUCHED) opener = statusCursor.last;
        if (learning && first && opener !== undefined) walkedShapes.push(opener);
        else learning = false;
      }
      end = s.pos;
      first = false;
      const more = s.next(CLOSE_ARRAY);
      if (more === undefined) return false;
      if (!more) break;
    }
  }
  if (s.pos !== end + 1) learning = false;
  if (s.skipWhitespace() !== -1) return false;
  if (learning && count.rejected.length === 0) statusBodies.learn(walkedShapes);
  else if (opener !== undefined) statusBodies.opened(opener);
  walkedShapes.length = 0;
  return true;
}

/**
 * Calls `record` with the cursor at each record of a JSON array or NDJSON body; false when the body
 * is not such JSON, is NDJSON without a record, or `record` returned false.
 */
function eachRecord(s: JsonScanner, body: Buffer, record: () => boolean): boolean {
  const first = startAfterBom(body);
  s.reset(body, first, body.length);
  let records = 0;
  const counted = () => {
    records++;
    return record();
  };
  if (s.skipWhitespace() === OPEN_ARRAY) return scanElements(s, counted) && s.skipWhitespace() === -1;
  // NDJSON; a body without records is the full path's to describe.
  return scanLines(s, body, first, counted) && records > 0;
}

/**
 * What eachOpenObserveVerdict calls with each record: `record` names its stream and type when it is
 * VOUCHED (valid until the next call), `shape` is its predicted one when it matched.
 */
export type VisitRecord<S> = (
  verdict: number,
  start: number,
  end: number,
  record: RecordStream,
  shape: OpenObserveShape<S> | undefined,
) => boolean;

/**
 * Each record's verdict (VOUCHED or not), bytes [start, end), stream and type, its holes in
 * `holes` when given (record-shapes); with `cursor` too, a record of the shape it predicts is read
 * as one (RecordScanner.match) and visited with it. False when the body is not JSON of records or
 * `visit` returned false.
 */
export function eachOpenObserveVerdict<S>(
  body: Buffer,
  ctx: OpenObserveContext,
  holes: OpenObserveHoles | undefined,
  cursor: ShapeCursor<S, RecordStream> | undefined,
  visit: VisitRecord<S>,
): boolean {
  const r = new RecordScanner(ctx);
  r.holes = holes;
  const s = r.s;
  return eachRecord(s, body, () => {
    s.skipWhitespace();
    const start = s.pos;
    if (holes !== undefined && cursor !== undefined) {
      const predicted = cursor.predicted();
      if (predicted !== undefined && r.match(predicted)) {
        cursor.matched(predicted);
        return visit(VOUCHED, start, s.pos, r, predicted);
      }
    }
    const verdict = r.record();
    return verdict !== MALFORMED && visit(verdict, start, s.pos, r, undefined);
  });
}

/** One record's bytes, already found to be JSON, as the full path would have decoded them. */
function parseRecord(body: Buffer, start: number, end: number): unknown {
  return JSON.parse(body.toString('utf8', start, end));
}
