import { asciiBytes, bytesEqual, JsonScanner, latin1, rangesEqual } from '@pipeline/json-scan';
import type { RejectedRecord } from '@pipeline/sample-model';
import { MAX_LABEL_KEY_LENGTH } from './labels.js';
import { decideRecord, normalizeRecord, type RecordFields } from './normalize-record.js';
import { StreamTally } from './stream-status.js';
import { PayloadTypes } from './type-registry.js';
import type { OpenObserveContext, PayloadResult } from './types.js';

const NAME = asciiBytes('__name__');
const TYPE = asciiBytes('__type__');
const VALUE = asciiBytes('value');
const TIMESTAMP = asciiBytes('_timestamp');
const AT_TIMESTAMP = asciiBytes('@timestamp');

const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;

// Symbols, not numbers: a field's value may be any number.
/** A record read exactly from the bytes is decided; another one is parsed alone. */
const UNSURE: unique symbol = Symbol('unsure');
/** Not JSON: the whole body takes the full path. */
const MALFORMED: unique symbol = Symbol('malformed');

/**
 * Longest non-ASCII key whose formatted form surely stays within MAX_LABEL_KEY_LENGTH: lower-casing
 * turns one code point (one to four bytes) into at most three, each then one character.
 */
const SAFE_NON_ASCII_KEY_BYTES = Math.floor(MAX_LABEL_KEY_LENGTH / 3);

const isNumberStart = (c: number) => c === 0x2d || (c >= 0x30 && c <= 0x39);

/**
 * The receiver's answer for a body, from its bytes: the fast path of
 * `processOpenObservePayload(…, { statusOnly: true })`. Each flat record's fields are read where
 * they lie into the same RecordFields that collectFields gathers from an object, and decided by the
 * same decideRecord, in order (so types register as they would). A record it cannot read exactly —
 * nested labels, escaped keys, a name that is not plain text, too many fields — is parsed alone
 * and goes through normalizeRecord. A body that is not JSON, or NDJSON, gives undefined: the caller
 * takes the full path, whose parser names the fault. `scan-json.test.ts` checks with fast-check
 * that both paths give the same answer.
 */
export function scanOpenObserveJson(body: Buffer, ctx: OpenObserveContext): PayloadResult | undefined {
  return new BodyScan(body, ctx).run();
}

class BodyScan {
  readonly s = new JsonScanner();
  readonly types: PayloadTypes;
  readonly tally = new StreamTally();
  readonly rejected: RejectedRecord[] = [];
  // Per body: they remember positions in it.
  readonly names = new LastText();
  readonly typeNames = new LastText();
  records = 0;
  #start = 0;
  #parsed: unknown;

  constructor(
    readonly body: Buffer,
    readonly ctx: OpenObserveContext,
  ) {
    this.types = new PayloadTypes(ctx.knownTypes);
  }

  run(): PayloadResult | undefined {
    const { s, body } = this;
    let start = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
    s.reset(body, start, body.length);
    const first = s.skipWhitespace();
    if (first === OPEN_ARRAY) {
      if (s.open(CLOSE_ARRAY)) {
        for (;;) {
          if (!this.record()) return undefined;
          const more = s.next(CLOSE_ARRAY);
          if (more === undefined) return undefined;
          if (!more) break;
        }
      }
      if (s.skipWhitespace() !== -1) return undefined;
    } else if (first === OPEN_OBJECT) {
      // NDJSON: one record per non-blank line (a pretty-printed object is the full path's to read).
      while (start <= body.length) {
        let end = body.indexOf(0x0a, start);
        if (end === -1) end = body.length;
        s.reset(body, start, end);
        if (s.skipWhitespace() !== -1 && (!this.record() || s.skipWhitespace() !== -1)) return undefined;
        start = end + 1;
      }
    } else {
      return undefined;
    }
    return {
      ok: true,
      samples: [],
      streams: this.tally.statuses(),
      rejected: this.rejected,
      registrations: this.types.registrations,
      records: this.records,
    };
  }

  /** The record at the cursor; false when the body is not JSON. */
  record(): boolean {
    const s = this.s;
    s.skipWhitespace();
    this.#start = s.pos;
    this.#parsed = undefined;
    const fields =
      s.bytes[s.pos] === OPEN_OBJECT
        ? readFields(s, this.ctx, this.names, this.typeNames)
        : s.value()
          ? UNSURE
          : MALFORMED;
    if (fields === MALFORMED) return false;
    const index = this.records++;
    const result =
      fields === UNSURE
        ? normalizeRecord(this.#parse(), this.ctx, this.types)
        : decideRecord(fields, this.ctx, this.types);
    if (result.ok) this.tally.succeeded(result.stream);
    else {
      this.tally.failed(result.stream, result.reason);
      this.rejected.push({ index, reason: result.reason, record: this.#parse() });
    }
    return true;
  }

  /** The record on its own, parsed once: for normalizeRecord, or as the dead letter's record. */
  #parse(): unknown {
    this.#parsed ??= JSON.parse(this.body.toString('utf8', this.#start, this.s.pos));
    return this.#parsed;
  }
}

/**
 * The text of the last name read, kept while the bytes repeat (records of a stream come together).
 * It remembers where in the body they were: one per body.
 */
class LastText {
  #start = -1;
  #end = -1;
  #text = '';

  of(bytes: Buffer, start: number, end: number, nonAscii: boolean): string {
    if (this.#start === -1 || !rangesEqual(bytes, start, end, this.#start, this.#end)) {
      this.#text = nonAscii ? bytes.toString('utf8', start, end) : latin1(bytes, start, end);
      this.#start = start;
      this.#end = end;
    }
    return this.#text;
  }
}

/** The fields of the object at the scanner's position, or UNSURE / MALFORMED; the scanner ends after it. */
function readFields(
  s: JsonScanner,
  ctx: OpenObserveContext,
  names: LastText,
  typeNames: LastText,
): RecordFields | typeof UNSURE | typeof MALFORMED {
  const f: RecordFields = {
    name: undefined,
    type: undefined,
    value: undefined,
    hasValue: false,
    timestamp: undefined,
    hasTimestamp: false,
    atTimestamp: undefined,
    fieldCount: 0,
    labelReason: undefined,
    tags: undefined,
  };
  if (!s.open(CLOSE_OBJECT)) return f;
  let sure = true;
  let hasName = false;
  let hasType = false;
  let hasAt = false;
  for (;;) {
    if (!s.key()) return MALFORMED;
    f.fieldCount++;
    const keyBytes = s.keyEnd - s.keyStart;
    // Every key the record's own fields have starts with '_', 'v' or '@'; most labels do not.
    const first = s.bytes[s.keyStart];
    const maybeOwn = first === 0x5f || first === 0x76 || first === 0x40;
    let read: unknown;
    if (s.escaped) {
      // It might spell one of the keys below, or format to anything: only JSON.parse can tell.
      sure = false;
      read = s.value() ? null : MALFORMED;
    } else if (!maybeOwn) {
      read = label(s, keyBytes);
      if (read === UNSURE) sure = false;
    } else if (s.keyIs(NAME) || s.keyIs(TYPE)) {
      const isName = s.keyIs(NAME);
      if (isName ? hasName : hasType) sure = false;
      if (isName) hasName = true;
      else hasType = true;
      read = isName ? plainString(s, names) : typeText(s, typeNames);
      if (read === UNSURE) sure = false;
      else if (read !== MALFORMED) {
        if (isName) f.name = read;
        else f.type = read;
      }
    } else if (s.keyIs(VALUE)) {
      if (f.hasValue) sure = false;
      f.hasValue = true;
      // Anything but a number fails alike ("value is required and must be a number").
      read = numberOrNull(s, true);
      if (read !== MALFORMED) f.value = read;
    } else if (s.keyIs(TIMESTAMP) || s.keyIs(AT_TIMESTAMP)) {
      const underscore = s.keyIs(TIMESTAMP);
      if (underscore ? f.hasTimestamp : hasAt) sure = false;
      read = numberOrNull(s, false);
      if (read === UNSURE) sure = false;
      else if (read !== MALFORMED) {
        if (underscore) {
          f.hasTimestamp = true;
          f.timestamp = read;
        } else {
          hasAt = true;
          f.atTimestamp = read;
        }
      }
    } else {
      read = label(s, keyBytes);
      if (read === UNSURE) sure = false;
    }
    if (read === MALFORMED) return MALFORMED;
    const more = s.next(CLOSE_OBJECT);
    if (more === undefined) return MALFORMED;
    if (!more) break;
  }
  // A repeated label counts once in collectFields: past the limit, let it count.
  if (!sure || f.fieldCount > ctx.maxFieldsPerRecord) return UNSURE;
  return f;
}

/** A string without escapes, as JSON.parse decodes it; another value is UNSURE (its reason names it). */
function plainString(s: JsonScanner, last: LastText): string | typeof UNSURE | typeof MALFORMED {
  if (s.skipWhitespace() !== QUOTE) return s.value() ? UNSURE : MALFORMED;
  const start = s.pos + 1;
  if (!s.string()) return MALFORMED;
  if (s.escaped) return UNSURE;
  // Quotes are ASCII, so the bytes between them decode as they do inside the whole body.
  return last.of(s.bytes, start, s.pos - 1, s.nonAscii);
}

const TYPE_NAMES = ['counter', 'gauge', 'histogram', 'summary'].map((name) => ({
  name,
  bytes: asciiBytes(`"${name}"`),
}));
/** `__type__`: the usual spellings without making a string, others as plainString. */
function typeText(s: JsonScanner, others: LastText): string | typeof UNSURE | typeof MALFORMED {
  if (s.skipWhitespace() === QUOTE) {
    const start = s.pos;
    for (const { name, bytes } of TYPE_NAMES) {
      if (bytesEqual(s.bytes, start, start + bytes.length, bytes)) {
        s.pos = start + bytes.length;
        return name;
      }
    }
  }
  return plainString(s, others);
}

/**
 * A number (as JSON.parse reads it: Number() of the literal), or null. Another value is null too
 * when `anyFails` (it fails the same way whatever it is), else UNSURE (its reason names it).
 */
function numberOrNull(s: JsonScanner, anyFails: boolean): number | null | typeof UNSURE | typeof MALFORMED {
  const c = s.skipWhitespace();
  if (isNumberStart(c)) {
    const start = s.pos;
    return s.number() ? s.numberValue(start) : MALFORMED;
  }
  if (c === 0x6e) return s.literal() ? null : MALFORMED;
  if (!s.value()) return MALFORMED;
  return anyFails ? null : UNSURE;
}

/** A label: flat values count one field each (null too); nested ones flatten, left to collectLabel. */
function label(s: JsonScanner, keyBytes: number): null | typeof UNSURE | typeof MALFORMED {
  const tooLong = keyBytes > (s.nonAscii ? SAFE_NON_ASCII_KEY_BYTES : MAX_LABEL_KEY_LENGTH);
  const c = s.skipWhitespace();
  let ok: boolean;
  if (c === QUOTE) ok = s.string();
  else if (c === 0x74 || c === 0x66 || c === 0x6e) ok = s.literal();
  else if (isNumberStart(c)) ok = s.number();
  else return s.value() ? UNSURE : MALFORMED;
  if (!ok) return MALFORMED;
  return tooLong ? UNSURE : null;
}
