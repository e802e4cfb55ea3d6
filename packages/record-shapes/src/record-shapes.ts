import { sameBytes, viewOf } from '@pipeline/byte-ranges';
import type { BodyShape } from './body-shapes.js';

/**
 * A dialect's records repeat from payload to payload with new values and a new time under the same
 * name, tags and bucket bounds. Everything but a record's values and time decides the series it
 * expands into, and in its bytes those are a few spans (holes): so a record whose bytes outside its
 * holes were seen before has the series found then, and needs no decoding, no sample objects and
 * no series lookup (docs/benchmarks.md, twelfth round). A hash only finds candidates; the bytes are
 * compared in full, so one shape never stands for another. A dialect's scan notes a record's holes
 * in a RecordHoles; ShapeCursor follows a body's records from shape to shape, and ShapeWalk gathers
 * their rows.
 *
 * A record of the shape that followed the previous record's last time (as scrapes repeat their
 * order) is read against that shape without scanning it: its bytes are compared with the shape's
 * spans and only the tokens in its holes are read, by the dialect (matchShape). Anything else is
 * scanned, and its shape found by hash.
 */
export interface RecordShape<S, M = undefined> {
  readonly org: string;
  /**
   * The record's bytes outside its holes, one span after another, at `at` in a chunk of bytes that
   * shapes made one after the other share (so that records met in the order their shapes were
   * made are compared against memory read in order), and each span's length.
   */
  readonly chunk: Uint8Array;
  readonly view: DataView;
  readonly at: number;
  readonly spans: readonly number[];
  /** Each hole's role to the dialect, in byte order. */
  readonly roles: readonly number[];
  /** What the caller keeps per shape: its samples' series, in order, and the hole of each one's value. */
  readonly series: readonly S[];
  readonly valueHoles: readonly number[];
  /** What else the dialect keeps of such a record (OpenObserve: its stream and type). */
  readonly meta: M;
  /** The next shape with the same hash. */
  next: RecordShape<S, M> | undefined;
  /** The shape of the record that followed one of this shape last time: tried first. */
  successor: RecordShape<S, M> | undefined;
}

/** A dialect's reader of the tokens in a record's holes. */
export interface HoleReader {
  /**
   * Reads a token of `role` at `at` with the checks the dialect's scan makes of it, noting it in
   * the holes; returns where it ends, or -1 when no such token is there.
   */
  readHole(role: number, at: number): number;
}

/**
 * The holes of the record being read, filled by a dialect's scan: where each lies, what it is to
 * the dialect (its role) and, for a value, the number it holds. Reused from record to record.
 */
export class RecordHoles<T = unknown> {
  /** [start, end) of each hole, in byte order. */
  readonly at: number[] = [];
  readonly roles: number[] = [];
  readonly values: number[] = [];
  count = 0;
  /** The record's time as the dialect resolved it, if it has one. */
  time: T | undefined;

  /**
   * @param keepsValues false when only the holes' places matter (a receiver's verdicts): a scan
   *   then need not work out a value it only has to know is finite, and notes 0 for it.
   */
  constructor(readonly keepsValues = true) {}

  clear(): void {
    this.count = 0;
    this.time = undefined;
  }

  add(start: number, end: number, role: number, value: number): void {
    const k = this.count++;
    this.at[2 * k] = start;
    this.at[2 * k + 1] = end;
    this.roles[k] = role;
    this.values[k] = value;
  }

  /** The index of the one hole of `role`, or -1 (none, or more than one). */
  indexOf(role: number): number {
    let found = -1;
    for (let h = 0; h < this.count; h++) {
      if (this.roles[h] !== role) continue;
      if (found >= 0) return -1;
      found = h;
    }
    return found;
  }
}

// A DataView of the last bytes seen: records of one body are read four bytes at a time through
// one view instead of one per call.
let viewed: Uint8Array | undefined;
let view: DataView = new DataView(new ArrayBuffer(0));

export function viewOfLast(bytes: Uint8Array): DataView {
  if (bytes !== viewed) {
    view = viewOf(bytes);
    viewed = bytes;
  }
  return view;
}

const EMPTY_VIEW = view;

/** Forgets the last bytes viewed: a body of 20 MiB must not outlive its request here. */
function releaseView(): void {
  viewed = undefined;
  view = EMPTY_VIEW;
}

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));

/** One 32-bit block into MurmurHash3's state. */
const mixBlock = (h: number, block: number) =>
  (Math.imul(rotl(h ^ Math.imul(rotl(Math.imul(block, 0xcc9e2d51), 15), 0x1b873593), 13), 5) + 0xe6546b64) |
  0;

/**
 * MurmurHash3's 32-bit mixing over the bytes outside the holes, four at a time, each span's length
 * mixed in; cut to 30 bits so that it stays a small integer (a Map keyed by heap numbers allocates
 * on every lookup).
 */
export function shapeHash(bytes: Uint8Array, start: number, end: number, holes: RecordHoles): number {
  const v = viewOfLast(bytes);
  const count = holes.count;
  const at = holes.at;
  let h = 0x9747b28c ^ count;
  let from = start;
  for (let k = 0; k <= count; k++) {
    const to = k < count ? at[2 * k]! : end;
    let i = from;
    for (; i + 4 <= to; i += 4) h = mixBlock(h, v.getUint32(i, true));
    // The span's last bytes and its length, as one more word.
    let tail = to - from;
    for (; i < to; i++) tail = Math.imul(tail ^ bytes[i]!, 0x01000193);
    h = mixBlock(h, tail);
    if (k < count) from = at[2 * k + 1]!;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & 0x3fffffff;
}

/** The record's bytes outside its holes equal the shape's. */
function sameShape(
  shape: RecordShape<unknown, unknown>,
  bytes: Uint8Array,
  start: number,
  end: number,
  holes: RecordHoles,
): boolean {
  const count = holes.count;
  const spans = shape.spans;
  if (spans.length !== count + 1) return false;
  const at = holes.at;
  const own = shape.chunk;
  const ownView = shape.view;
  const v = viewOfLast(bytes);
  let from = start;
  let ownFrom = shape.at;
  for (let k = 0; k <= count; k++) {
    const length = (k < count ? at[2 * k]! : end) - from;
    if (length !== spans[k] || !sameBytes(bytes, v, from, own, ownView, ownFrom, length)) return false;
    ownFrom += length;
    if (k < count) from = at[2 * k + 1]!;
  }
  return true;
}

/**
 * Reads the record at bytes[start, limit) as one of `shape`: each of the shape's spans must be
 * there, byte for byte, and between them `reader` must find a token of each hole's role (it notes
 * the holes, cleared first). Returns where the record ends, or -1. A record that matches is valid
 * exactly when the one the shape was made from was, if the reader checks each token as the scan
 * did: nothing else in it differs.
 */
export function matchShape(
  shape: RecordShape<unknown, unknown>,
  bytes: Uint8Array,
  start: number,
  limit: number,
  holes: RecordHoles,
  reader: HoleReader,
): number {
  holes.clear();
  const spans = shape.spans;
  const roles = shape.roles;
  const count = roles.length;
  const own = shape.chunk;
  const ownView = shape.view;
  const v = viewOfLast(bytes);
  let from = start;
  let ownFrom = shape.at;
  for (let k = 0; ; k++) {
    const length = spans[k]!;
    if (from + length > limit || !sameBytes(bytes, v, from, own, ownView, ownFrom, length)) return -1;
    from += length;
    ownFrom += length;
    if (k === count) return from;
    from = reader.readHole(roles[k]!, from);
    if (from < 0) return -1;
  }
}

const NONE: readonly never[] = [];

function sameList(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** While bodies are not walked, one in this many still is, to notice records repeating again. */
const PROBE_EVERY = 16;

/** Bytes of a chunk of shapes' spans; a record longer than that gets a chunk of its own. */
const CHUNK_BYTES = 256 * 1024;

/**
 * Shapes by org and bytes. The map is dropped when the series its shapes hold reach `capacity`
 * (the row cache's bound: shapes keep their series alive) or their bytes `maxBytes`, which bounds
 * memory when every record has a shape of its own (a new label value each time).
 *
 * Making a shape costs more than decoding its record (1.6-1.7x for a body of new series,
 * docs/benchmarks.md), so shapes dropped before they were found again are a loss: when the
 * map is dropped having served fewer records than it made shapes for, bodies stop being walked
 * (worthWalking), but for one in PROBE_EVERY, and a probe that finds at least half of its records
 * known starts them again.
 */
export class RecordShapes<S, M = undefined> {
  readonly #shapes = new Map<number, RecordShape<S, M>>();
  /** Per org, the shape of the first record of its last body walked: the next body's first guess. */
  readonly #openers = new Map<string, RecordShape<S, M>>();
  #size = 0;
  #series = 0;
  #made = 0;
  #served = 0;
  #walking = true;
  #untried = 0;
  #chunk = new Uint8Array(0);
  /** The record find() hashed last, and its hash. */
  #hashed: Uint8Array | undefined;
  #hashedStart = -1;
  #hashedEnd = -1;
  #hash = 0;
  #view = new DataView(this.#chunk.buffer);
  #used = 0;
  #bytes = 0;
  /**
   * Equal lists (spans, roles, value holes), shared by the shapes that have them, by a hash of
   * their contents. Shapes of one metric differ mostly in their bytes (a host's name), so a walk
   * over thousands of series reads a few shared lists instead of a list of each per record, and
   * its shapes keep to fewer cache lines: over the bench's 10 000 series the receivers' verdicts
   * took 0.95–1.00x the CPU for OpenObserve and 0.82–0.95x for MessagePack, the normalizer's
   * batches 0.69–0.86x (docs/benchmarks.md, eighteenth round). Keyed by a number, so that making a
   * shape builds no string. Dropped with the shapes.
   */
  readonly #lists = new Map<number, (readonly number[])[]>();
  constructor(
    readonly capacity = 200_000,
    /** Replaceable for tests (a constant one makes every lookup a collision). */
    private readonly hash: typeof shapeHash = shapeHash,
    /**
     * Bytes of records' spans held at most, whatever their count: records may be long (a tag of a
     * megabyte), and a shape keeps its record's bytes.
     */
    readonly maxBytes = 64 * 1024 * 1024,
    /**
     * When two metas are equal: a new shape then takes the meta of the shape before it in its body
     * if equal (records of one metric come together), so its shapes share one. Without it each
     * shape keeps its own.
     */
    private readonly sameMeta?: (a: M, b: M) => boolean,
  ) {}

  #shareList(list: readonly number[]): readonly number[] {
    const n = list.length;
    if (n === 0) return NONE;
    let h = 0x811c9dc5 ^ n;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ list[i]!, 0x01000193);
    h = (h ^ (h >>> 15)) & 0x3fffffff;
    const chain = this.#lists.get(h);
    if (chain === undefined) this.#lists.set(h, [list]);
    else {
      for (const known of chain) if (sameList(known, list)) return known;
      chain.push(list);
    }
    return list;
  }

  /** Shapes held. */
  get size(): number {
    return this.#size;
  }

  /** Whether the next body should be walked over shapes, or decoded (see the class). */
  worthWalking(): boolean {
    return this.#walking || ++this.#untried % PROBE_EVERY === 0;
  }

  /** A walk's outcome: of its records, how many a known shape served. */
  walked(served: number, records: number): void {
    if (!this.#walking && records > 0 && 2 * served >= records) {
      this.#walking = true;
      this.#made = 0;
      this.#served = 0;
    }
  }

  /** The shape that began `org`'s last body walked. */
  opener(org: string): RecordShape<S, M> | undefined {
    return this.#openers.get(org);
  }

  setOpener(org: string, shape: RecordShape<S, M>): void {
    this.#openers.set(org, shape);
  }

  /** The body being walked is done: nothing of it is kept (find()'s hash, the view of its bytes). */
  release(): void {
    this.#hashed = undefined;
    releaseView();
  }

  /** Records were read against predicted shapes (matchShape, matchBody), which served them. */
  served(records = 1): void {
    this.#served += records;
  }

  /**
   * The shape of the record in bytes[start, end) with these holes, if known. `after` is the shape
   * of the record before it in the same body, if any: the shape found becomes its successor.
   */
  find(
    org: string,
    bytes: Uint8Array,
    start: number,
    end: number,
    holes: RecordHoles,
    after?: RecordShape<S, M>,
  ): RecordShape<S, M> | undefined {
    const hash = this.hash(bytes, start, end, holes);
    // Kept for add(), which follows a find() that failed for the same record.
    this.#hashed = bytes;
    this.#hashedStart = start;
    this.#hashedEnd = end;
    this.#hash = hash;
    for (let shape = this.#shapes.get(hash); shape !== undefined; shape = shape.next) {
      if (shape.org === org && sameShape(shape, bytes, start, end, holes)) {
        if (after !== undefined) after.successor = shape;
        this.#served++;
        return shape;
      }
    }
    return undefined;
  }

  /** A new shape for the record in bytes[start, end) (find() did not know it). */
  add(
    org: string,
    bytes: Uint8Array,
    start: number,
    end: number,
    holes: RecordHoles,
    series: readonly S[],
    valueHoles: readonly number[],
    meta: M,
    after?: RecordShape<S, M>,
  ): RecordShape<S, M> {
    // A shape without series (a receiver's) still counts: it holds its bytes.
    const weight = Math.max(1, series.length);
    const count = holes.count;
    const at = holes.at;
    let length = end - start;
    for (let k = 0; k < count; k++) length -= at[2 * k + 1]! - at[2 * k]!;
    if (this.#series + weight > this.capacity || (this.#bytes > 0 && this.#bytes + length > this.maxBytes)) {
      this.#walking = this.#served >= this.#made;
      this.#made = 0;
      this.#served = 0;
      this.#shapes.clear();
      this.#openers.clear();
      this.#lists.clear();
      this.#size = 0;
      this.#series = 0;
      this.#bytes = 0;
      // Shapes made before keep their own chunk: a new one is never written over theirs.
      this.#chunk = new Uint8Array(0);
      this.#used = 0;
    }
    // Arrays of small integers: typed arrays take longer to make than a record to scan.
    const spans: number[] = [];
    const roles: number[] = [];
    for (let k = 0; k < count; k++) roles.push(holes.roles[k]!);
    if (this.#used + length > this.#chunk.length) {
      this.#chunk = new Uint8Array(Math.max(CHUNK_BYTES, length));
      this.#view = new DataView(this.#chunk.buffer);
      this.#used = 0;
    }
    // A copy of the spans: the body is reused.
    const chunk = this.#chunk;
    let to = this.#used;
    let from = start;
    for (let k = 0; k <= count; k++) {
      const spanEnd = k < count ? at[2 * k]! : end;
      spans.push(spanEnd - from);
      // Short spans byte by byte: a subarray of a Buffer is a Buffer, costlier to make than to copy.
      if (spanEnd - from > 64) chunk.set(bytes.subarray(from, spanEnd), to);
      else for (let i = from; i < spanEnd; i++) chunk[to + i - from] = bytes[i]!;
      to += spanEnd - from;
      if (k < count) from = at[2 * k + 1]!;
    }
    const hash =
      bytes === this.#hashed && start === this.#hashedStart && end === this.#hashedEnd
        ? this.#hash
        : this.hash(bytes, start, end, holes);
    const shape: RecordShape<S, M> = {
      org,
      chunk,
      view: this.#view,
      at: this.#used,
      spans: this.#shareList(spans),
      roles: this.#shareList(roles),
      series,
      valueHoles: this.#shareList(valueHoles),
      meta:
        after !== undefined && this.sameMeta !== undefined && this.sameMeta(after.meta, meta)
          ? after.meta
          : meta,
      next: this.#shapes.get(hash),
      successor: undefined,
    };
    this.#used = to;
    this.#shapes.set(hash, shape);
    this.#size++;
    this.#series += weight;
    this.#bytes += length;
    this.#made++;
    if (after !== undefined) after.successor = shape;
    return shape;
  }
}

/**
 * One body's records followed from shape to shape: the shape each record is likely of
 * (predicted), then, for a record that was not, its shape found by hash or made. Reused from body
 * to body.
 */
export class ShapeCursor<S, M = undefined> {
  #shapes: RecordShapes<S, M> | undefined;
  #org = '';
  #previous: RecordShape<S, M> | undefined;
  #found = 0;
  #records = 0;

  /**
   * Starts a body of `org`'s; false when it had better be scanned without shapes
   * (RecordShapes.worthWalking), and then it must not be walked.
   */
  begin(shapes: RecordShapes<S, M>, org: string): boolean {
    this.#shapes = shapes;
    this.#org = org;
    this.#clear();
    return shapes.worthWalking();
  }

  #clear(): void {
    this.#previous = undefined;
    this.#found = 0;
    this.#records = 0;
  }

  /** Records passed so far. */
  get records(): number {
    return this.#records;
  }

  /** The shape of the record passed last. */
  get last(): RecordShape<S, M> | undefined {
    return this.#previous;
  }

  /** Back to the body's start, as if nothing of it had been passed. */
  rewind(): void {
    this.#clear();
  }

  /** The whole body was read as one of `body` (matchBody): passes its records. */
  passedBody(body: BodyShape<S, M>): void {
    const records = body.records;
    this.#shapes!.served(records.length);
    this.#found += records.length;
    this.#pass(records[0]!);
    this.#records += records.length - 1;
    this.#previous = records[records.length - 1];
  }

  /**
   * The shape the next record is likely of: the one that followed the previous record's last
   * time, or for a body's first record the one that began the org's last body.
   */
  predicted(): RecordShape<S, M> | undefined {
    // Openers are kept per org, and a successor is only ever set within one org's body.
    const previous = this.#previous;
    return previous === undefined ? this.#shapes!.opener(this.#org) : previous.successor;
  }

  /** The next record was read as one of the predicted shape (matchShape): passes it. */
  matched(shape: RecordShape<S, M>): void {
    this.#found++;
    this.#shapes!.served();
    this.#pass(shape);
  }

  /** The known shape of the record in bytes[start, end), if any: passes it. */
  find(bytes: Uint8Array, start: number, end: number, holes: RecordHoles): RecordShape<S, M> | undefined {
    const shape = this.#shapes!.find(this.#org, bytes, start, end, holes, this.#previous);
    if (shape !== undefined) {
      this.#found++;
      this.#pass(shape);
    }
    return shape;
  }

  /**
   * A new shape for the record in bytes[start, end) (find() did not know it), its samples' series
   * and value holes found by decoding it: passes it.
   */
  add(
    bytes: Uint8Array,
    start: number,
    end: number,
    holes: RecordHoles,
    series: readonly S[],
    valueHoles: readonly number[],
    meta: M,
  ): RecordShape<S, M> {
    const shape = this.#shapes!.add(
      this.#org,
      bytes,
      start,
      end,
      holes,
      series,
      valueHoles,
      meta,
      this.#previous,
    );
    this.#pass(shape);
    return shape;
  }

  /**
   * The shape of a record whose series nobody keeps (a receiver's verdicts): found, or made with
   * what `meta` gives (asked only then).
   */
  know(bytes: Uint8Array, start: number, end: number, holes: RecordHoles, meta: () => M): RecordShape<S, M> {
    return this.find(bytes, start, end, holes) ?? this.add(bytes, start, end, holes, NONE, NONE, meta());
  }

  /** Moves past a record of `shape`: the next one is predicted from it. */
  #pass(shape: RecordShape<S, M>): void {
    if (this.#previous === undefined) this.#shapes!.setOpener(this.#org, shape);
    this.#previous = shape;
    this.#records++;
  }

  /**
   * The body is done: how many of its records known shapes served counts (RecordShapes.walked),
   * unless it was given up for the full path.
   */
  end(abandoned = false): void {
    this.#shapes!.walked(abandoned ? 0 : this.#found, this.#records);
    this.#shapes!.release();
    this.#clear();
  }
}

/**
 * One body's records matched to shapes, in order (ShapeCursor), their rows held until the whole
 * body is found valid, then added to the sink at once; a body that takes the full path instead
 * leaves nothing behind. Reused from body to body.
 */
export class ShapeWalk<S, M = undefined> extends ShapeCursor<S, M> {
  #series: (readonly S[])[] = [];
  #times: number[] = [];
  #dtRaw: string[] = [];
  #values: number[] = [];

  override begin(shapes: RecordShapes<S, M>, org: string): boolean {
    this.#clearRows();
    return super.begin(shapes, org);
  }

  #clearRows(): void {
    this.#series.length = 0;
    this.#times.length = 0;
    this.#dtRaw.length = 0;
    this.#values.length = 0;
  }

  /** The record just passed is of `shape` (matched, found or added), its values in `holes`. */
  take(shape: RecordShape<S, M>, holes: RecordHoles, timestampUs: number, dtRaw: string): void {
    this.#series.push(shape.series);
    this.#times.push(timestampUs);
    this.#dtRaw.push(dtRaw);
    const values = holes.values;
    for (const h of shape.valueHoles) this.#values.push(values[h]!);
  }

  /** The body takes the full path after all: nothing taken is added, and no record counts as served. */
  abandon(): void {
    this.end(true);
    this.#clearRows();
  }

  /** Adds every row taken to `sink` and returns how many. */
  finish(sink: { add(series: S, timestampUs: number, value: number, dtRaw: string): void }): number {
    this.end();
    let v = 0;
    for (let r = 0; r < this.#series.length; r++) {
      const series = this.#series[r]!;
      const timestampUs = this.#times[r]!;
      const dtRaw = this.#dtRaw[r]!;
      for (let k = 0; k < series.length; k++) sink.add(series[k]!, timestampUs, this.#values[v++]!, dtRaw);
    }
    this.#clearRows();
    return v;
  }
}
