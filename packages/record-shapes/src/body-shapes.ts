import { sameBytes, viewOf } from '@pipeline/byte-ranges';
import { type HoleReader, type RecordShape, viewOfLast } from './record-shapes.js';

/** A body's reader: a hole's token (HoleReader), and each record's checks once its holes are read. */
export interface BodyReader extends HoleReader {
  /** The holes of one record are read: whether the record passes what they hold. */
  recordRead(): boolean;
}

/** Records in a row whose shapes have one meta (the same object, RecordShapes' `sameMeta`). */
export interface ShapeRun<M> {
  readonly meta: M;
  readonly records: number;
}

/**
 * A JSON array of records of known shapes, in an order met before, with nothing between them but
 * the commas: the record shapes' spans joined into one list, so that a body that repeats the order
 * is read in one loop over spans and holes (matchBody), without the walk's work per record
 * (predicting, matching and passing a shape, counting a run). Scrapes send their series in the
 * same order time after time. Read this way, the receivers' verdicts of the bench's OpenObserve
 * bodies took ~0.8x the CPU of the walk, and two loaded receivers ~7 % less CPU per sample
 * (docs/benchmarks.md, twenty-sixth round).
 */
export interface BodyShape<S, M> {
  /** Each record's shape, in order. */
  readonly records: readonly RecordShape<S, M>[];
  readonly runs: readonly ShapeRun<M>[];
  /** The bytes outside the holes, from `[` to `]`, one span after another. */
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Each span's length: one more than the holes, since the body begins and ends with bytes. */
  readonly spans: Int32Array;
  /** Each hole's role. */
  readonly roles: Int32Array;
  /** 1 where a hole is the last of its record: recordRead is called after it. */
  readonly ends: Uint8Array;
}

const OPEN_ARRAY = 0x5b;
const COMMA = 0x2c;
const CLOSE_ARRAY = 0x5d;

/**
 * The shape of `[r0,r1,…]` with records of these shapes; undefined when a record has no hole
 * (each record's checks run after its last hole), or when it would be longer than `maxLength`.
 */
export function joinShapes<S, M>(
  records: readonly RecordShape<S, M>[],
  maxLength = Number.POSITIVE_INFINITY,
): BodyShape<S, M> | undefined {
  if (records.length === 0) return undefined;
  let length = 2 + records.length - 1;
  let holes = 0;
  for (const shape of records) {
    if (shape.roles.length === 0) return undefined;
    holes += shape.roles.length;
    for (const span of shape.spans) length += span;
  }
  if (length > maxLength) return undefined;
  const bytes = new Uint8Array(length);
  const spans = new Int32Array(holes + 1);
  const roles = new Int32Array(holes);
  const ends = new Uint8Array(holes);
  const runs: ShapeRun<M>[] = [];
  let runMeta = records[0]!.meta;
  let run = 0;
  bytes[0] = OPEN_ARRAY;
  let to = 1;
  let pending = 1;
  let hole = 0;
  for (let r = 0; r < records.length; r++) {
    const shape = records[r]!;
    if (r > 0) {
      bytes[to++] = COMMA;
      pending++;
    }
    if (shape.meta !== runMeta) {
      runs.push({ meta: runMeta, records: run });
      runMeta = shape.meta;
      run = 0;
    }
    run++;
    let from = shape.at;
    const count = shape.roles.length;
    for (let k = 0; k <= count; k++) {
      const span = shape.spans[k]!;
      bytes.set(shape.chunk.subarray(from, from + span), to);
      from += span;
      to += span;
      pending += span;
      if (k < count) {
        spans[hole] = pending;
        roles[hole] = shape.roles[k]!;
        ends[hole] = k === count - 1 ? 1 : 0;
        hole++;
        pending = 0;
      }
    }
  }
  runs.push({ meta: runMeta, records: run });
  bytes[to] = CLOSE_ARRAY;
  spans[holes] = pending + 1;
  return { records: records.slice(), runs, bytes, view: viewOf(bytes), spans, roles, ends };
}

/**
 * Reads the body at bytes[start, limit) as one of `shape`, as matchShape reads a record: every span
 * byte for byte, between them a token of each hole's role that `reader` finds, and each record's
 * checks after its last hole. Returns where the body's `]` ends, or -1.
 */
export function matchBody(
  shape: BodyShape<unknown, unknown>,
  bytes: Uint8Array,
  start: number,
  limit: number,
  reader: BodyReader,
): number {
  const spans = shape.spans;
  const roles = shape.roles;
  const ends = shape.ends;
  const holes = roles.length;
  const own = shape.bytes;
  const ownView = shape.view;
  const v = viewOfLast(bytes);
  let from = start;
  let ownFrom = 0;
  for (let k = 0; ; k++) {
    const length = spans[k]!;
    if (from + length > limit || !sameBytes(bytes, v, from, own, ownView, ownFrom, length)) return -1;
    from += length;
    ownFrom += length;
    if (k === holes) return from;
    from = reader.readHole(roles[k]!, from);
    if (from < 0) return -1;
    if (ends[k] === 1 && !reader.recordRead()) return -1;
  }
}

/** Body shapes a first record's shape may open before it stops being tried (BodyShapes.failed). */
const TRIES = 3;

/**
 * Body shapes by the shape of their first record, at most `maxBytes` of their spans as made (then
 * they start over), none longer than a quarter of it. A body shape is made only for a first record
 * shape that opened a body before (opened, or learn): a client whose bodies begin at a different
 * record each time (a stream cut anywhere) would otherwise pay for a copy of every body's spans. A
 * body that begins like a known one but is not one costs a read that stops where they differ, then
 * the walk: after TRIES of those for one first shape, its bodies are only walked, until the shapes
 * start over. Held weakly by their first record's shape, so that record shapes dropped
 * (RecordShapes' bounds) take their bodies with them.
 */
export class BodyShapes<S, M> {
  #byFirst = new WeakMap<RecordShape<S, M>, BodyShape<S, M>>();
  #failures = new WeakMap<RecordShape<S, M>, number>();
  #opened = new WeakSet<RecordShape<S, M>>();
  #bytes = 0;

  constructor(readonly maxBytes = 16 * 1024 * 1024) {}

  /** Bytes of the body shapes held, as counted against maxBytes. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The body shape that begins with a record of `first`, if one is known. */
  get(first: RecordShape<S, M>): BodyShape<S, M> | undefined {
    return this.#byFirst.get(first);
  }

  /** A body began with a record of `first` (one that is not learned). */
  opened(first: RecordShape<S, M>): void {
    this.#opened.add(first);
  }

  /**
   * Keeps the shape of a body of records of these shapes, in this order, if its first record's shape
   * opened a body before and is not given up.
   */
  learn(records: readonly RecordShape<S, M>[]): BodyShape<S, M> | undefined {
    const first = records[0];
    if (first === undefined || (this.#failures.get(first) ?? 0) >= TRIES) return undefined;
    if (!this.#opened.has(first)) {
      this.#opened.add(first);
      return undefined;
    }
    const shape = joinShapes(records, this.maxBytes / 4);
    if (shape === undefined) return undefined;
    if (this.#bytes + shape.bytes.length > this.maxBytes) {
      this.#byFirst = new WeakMap();
      this.#failures = new WeakMap();
      this.#opened = new WeakSet();
      this.#opened.add(first);
      this.#bytes = 0;
    }
    this.#bytes += shape.bytes.length;
    this.#byFirst.set(first, shape);
    return shape;
  }

  /** A body that began with a record of `first` was not of its body shape: forgets that shape. */
  failed(first: RecordShape<S, M>): void {
    this.#byFirst.delete(first);
    this.#failures.set(first, (this.#failures.get(first) ?? 0) + 1);
  }
}
