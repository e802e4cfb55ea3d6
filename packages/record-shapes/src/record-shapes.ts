/**
 * A dialect's records repeat from payload to payload with new values and a new time under the same
 * name, tags and bucket bounds. Everything but a record's values and time decides the series it
 * expands into, and in its bytes those are a few spans (holes): so a record whose bytes outside its
 * holes were seen before has the series found then, and needs no decoding, no sample objects and
 * no series lookup (docs/benchmarks.md, twelfth round). A hash only finds candidates; the bytes are
 * compared in full, so one shape never stands for another.
 *
 * Holes are given as a flat list of [start, end) pairs, in byte order, inside [start, end).
 */
export interface RecordShape<S> {
  readonly org: string;
  /** The record's bytes when the shape was made, and its holes relative to them. */
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly holes: Int32Array;
  /** What the caller keeps per shape: its samples' series, in order, and where each value lies. */
  readonly series: readonly S[];
  readonly valueHoles: readonly number[];
  next: RecordShape<S> | undefined;
}

// A DataView of the last bytes seen: records of one body are read four bytes at a time through
// one view instead of one per call.
let viewed: Uint8Array | undefined;
let view: DataView = new DataView(new ArrayBuffer(0));

function viewOf(bytes: Uint8Array): DataView {
  if (bytes !== viewed) {
    view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    viewed = bytes;
  }
  return view;
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
export function shapeHash(
  bytes: Uint8Array,
  start: number,
  end: number,
  holes: readonly number[],
  count: number,
): number {
  const v = viewOf(bytes);
  let h = 0x9747b28c ^ count;
  let from = start;
  for (let k = 0; k <= count; k++) {
    const to = k < count ? holes[2 * k]! : end;
    let i = from;
    for (; i + 4 <= to; i += 4) h = mixBlock(h, v.getUint32(i, true));
    // The span's last bytes and its length, as one more word.
    let tail = to - from;
    for (; i < to; i++) tail = Math.imul(tail ^ bytes[i]!, 0x01000193);
    h = mixBlock(h, tail);
    if (k < count) from = holes[2 * k + 1]!;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & 0x3fffffff;
}

/** The record's bytes outside its holes equal the shape's: four bytes at a time, then the rest. */
function sameShape<S>(
  shape: RecordShape<S>,
  bytes: Uint8Array,
  start: number,
  end: number,
  holes: readonly number[],
  count: number,
): boolean {
  const ownHoles = shape.holes;
  if (ownHoles.length !== 2 * count) return false;
  const own = shape.bytes;
  const ownView = shape.view;
  const v = viewOf(bytes);
  let from = start;
  let ownFrom = 0;
  for (let k = 0; k <= count; k++) {
    const to = k < count ? holes[2 * k]! : end;
    const ownTo = k < count ? ownHoles[2 * k]! : own.length;
    const length = to - from;
    if (length !== ownTo - ownFrom) return false;
    let i = 0;
    for (; i + 4 <= length; i += 4)
      if (v.getUint32(from + i, true) !== ownView.getUint32(ownFrom + i, true)) return false;
    for (; i < length; i++) if (bytes[from + i] !== own[ownFrom + i]) return false;
    if (k < count) {
      from = holes[2 * k + 1]!;
      ownFrom = ownHoles[2 * k + 1]!;
    }
  }
  return true;
}

/**
 * Shapes by org and bytes. The map is dropped when it reaches `capacity`, which bounds memory when
 * every record has a shape of its own (a new label value each time) at the cost of making them again.
 */
export class RecordShapes<S> {
  readonly #shapes = new Map<number, RecordShape<S>>();
  #size = 0;
  constructor(readonly capacity = 50_000) {}

  get size(): number {
    return this.#size;
  }

  find(
    hash: number,
    org: string,
    bytes: Uint8Array,
    start: number,
    end: number,
    holes: readonly number[],
    count: number,
  ): RecordShape<S> | undefined {
    for (let shape = this.#shapes.get(hash); shape !== undefined; shape = shape.next) {
      if (shape.org === org && sameShape(shape, bytes, start, end, holes, count)) return shape;
    }
    return undefined;
  }

  add(
    hash: number,
    org: string,
    bytes: Uint8Array,
    start: number,
    end: number,
    holes: readonly number[],
    count: number,
    series: readonly S[],
    valueHoles: readonly number[],
  ): RecordShape<S> {
    if (this.#size >= this.capacity) {
      this.#shapes.clear();
      this.#size = 0;
    }
    const relative = new Int32Array(2 * count);
    for (let i = 0; i < 2 * count; i++) relative[i] = holes[i]! - start;
    // A copy: a Buffer's slice() would keep the whole body alive and change with it.
    const own = new Uint8Array(end - start);
    own.set(bytes.subarray(start, end));
    const shape: RecordShape<S> = {
      org,
      bytes: own,
      view: new DataView(own.buffer, own.byteOffset, own.byteLength),
      holes: relative,
      series,
      valueHoles,
      next: this.#shapes.get(hash),
    };
    this.#shapes.set(hash, shape);
    this.#size++;
    return shape;
  }
}
