import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BodyReader, BodyShapes, joinShapes, matchBody } from './body-shapes.js';
import { RecordHoles, type RecordShape, RecordShapes } from './record-shapes.js';

/** A record's text with its holes marked by < and >, as its bytes and holes (the marks removed). */
function holed(text: string): [Buffer, RecordHoles] {
  const holes = new RecordHoles();
  let plain = '';
  let start = -1;
  for (const c of text) {
    if (c === '<') start = plain.length;
    else if (c === '>') holes.add(start, plain.length, plain.length - start, 0);
    else plain += c;
  }
  return [Buffer.from(plain), holes];
}

/** Shapes of these records (holes marked), made in order, with their metas. */
function shapesOf(
  records: readonly string[],
  metas: readonly string[] = records.map(() => 'm'),
): RecordShape<string, string>[] {
  const shapes = new RecordShapes<string, string>(1000, undefined, undefined, (a, b) => a === b);
  let after: RecordShape<string, string> | undefined;
  return records.map((text, i) => {
    const [bytes, holes] = holed(text);
    after = shapes.add('', bytes, 0, bytes.length, holes, [], [], metas[i]!, after);
    return after;
  });
}

/**
 * Reads a hole as digits (at least one) and notes them; a record passes when its digits sum to
 * less than `limit`. Each call is logged, to check that records are checked after their last hole.
 */
function digitsReader(bytes: Uint8Array, limit = Number.POSITIVE_INFINITY) {
  const log: string[] = [];
  let sum = 0;
  const reader: BodyReader = {
    readHole(role, at) {
      let end = at;
      while (end < bytes.length && bytes[end]! >= 0x30 && bytes[end]! <= 0x39) end++;
      if (end === at) return -1;
      const digits = Buffer.from(bytes.subarray(at, end)).toString();
      log.push(`${role}:${digits}`);
      sum += Number(digits);
      return end;
    },
    recordRead() {
      log.push('|');
      const ok = sum < limit;
      sum = 0;
      return ok;
    },
  };
  return { reader, log };
}

const RECORDS = ['{"a":<1>,"t":<22>}', '{"b":"x","v":<3>}', '{"a":<4>,"t":<55>}'];

describe('joinShapes and matchBody: a body of known records read in one loop', () => {
  it('reads a body of the records in order, whatever its holes hold, checking each record after its holes', () => {
    const body = joinShapes(shapesOf(RECORDS))!;
    expect(Buffer.from(body.bytes).toString()).toBe('[{"a":,"t":},{"b":"x","v":},{"a":,"t":}]');
    expect([...body.spans]).toEqual([6, 5, 15, 7, 5, 2]);
    expect([...body.ends]).toEqual([0, 1, 1, 0, 1]);
    const text = Buffer.from('[{"a":10,"t":2},{"b":"x","v":333},{"a":4,"t":5}] ');
    const { reader, log } = digitsReader(text);
    expect(matchBody(body, text, 0, text.length, reader)).toBe(text.length - 1);
    // Roles are the holes' lengths in the shapes' records: 1, 2, 1, 1, 2.
    expect(log).toEqual(['1:10', '2:2', '|', '1:333', '|', '1:4', '2:5', '|']);
  });

  it('refuses a body that differs outside the holes, lacks a token, ends early or fails a record', () => {
    const body = joinShapes(shapesOf(RECORDS))!;
    // Whether the whole text is one body of the shape.
    const read = (text: string, limit?: number) => {
      const bytes = Buffer.from(text);
      return matchBody(body, bytes, 0, bytes.length, digitsReader(bytes, limit).reader) === bytes.length;
    };
    expect(read('[{"a":1,"t":2},{"b":"x","v":3},{"a":4,"t":5}]')).toBe(true);
    expect(read('[{"a":1,"t":2},{"b":"y","v":3},{"a":4,"t":5}]')).toBe(false);
    expect(read('[{"a":1,"t":2}, {"b":"x","v":3},{"a":4,"t":5}]')).toBe(false);
    expect(read('[{"a":1,"t":2},{"b":"x","v":},{"a":4,"t":5}]')).toBe(false);
    expect(read('[{"a":1,"t":2},{"b":"x","v":3},{"a":4,"t":5}')).toBe(false);
    expect(read('[{"a":1,"t":2},{"b":"x","v":3}]')).toBe(false);
    // The second record's one hole sums to 3: under a limit of 3 it fails, under 4 it passes.
    expect(read('[{"a":1,"t":1},{"b":"x","v":3},{"a":1,"t":1}]', 3)).toBe(false);
    expect(read('[{"a":1,"t":1},{"b":"x","v":3},{"a":1,"t":1}]', 4)).toBe(true);
    // A body starting later in the bytes, and a limit before its end.
    const later = Buffer.from('xx[{"a":1,"t":2},{"b":"x","v":3},{"a":4,"t":5}]');
    expect(matchBody(body, later, 2, later.length, digitsReader(later).reader)).toBe(later.length);
    expect(matchBody(body, later, 2, later.length - 1, digitsReader(later).reader)).toBe(-1);
  });

  it('counts runs of records with one meta, in order', () => {
    const body = joinShapes(
      shapesOf(['{"a":<1>}', '{"b":<1>}', '{"c":<1>}', '{"d":<1>}'], ['x', 'x', 'y', 'x']),
    )!;
    expect(body.runs).toEqual([
      { meta: 'x', records: 2 },
      { meta: 'y', records: 1 },
      { meta: 'x', records: 1 },
    ]);
    expect(joinShapes(shapesOf(['{"a":1}']))).toBeUndefined();
    expect(joinShapes([])).toBeUndefined();
  });

  it('reads any body made of its records with any digits in the holes, and no body with a byte changed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(RECORDS.length - 1), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(999), { minLength: 1, maxLength: 5 }),
        fc.nat(),
        (order, numbers, at) => {
          const body = joinShapes(shapesOf(order.map((i) => RECORDS[i] ?? '')))!;
          let n = 0;
          const text = `[${order
            .map((i) => RECORDS[i]!.replace(/<\d+>/g, () => String(numbers[n++ % numbers.length])))
            .join(',')}]`;
          const bytes = Buffer.from(text);
          expect(matchBody(body, bytes, 0, bytes.length, digitsReader(bytes).reader)).toBe(bytes.length);
          // Any byte outside the digits changed: not this body.
          const outside = [...bytes.keys()].filter((i) => bytes[i]! < 0x30 || bytes[i]! > 0x39);
          const changed = Buffer.from(bytes);
          changed[outside[at % outside.length]!] = 0x20;
          expect(matchBody(body, changed, 0, changed.length, digitsReader(changed).reader)).toBe(-1);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('BodyShapes: body shapes by their first record, bounded', () => {
  it('finds a body shape by its first record shape, and forgets it when a body was not one', () => {
    const records = shapesOf(RECORDS);
    const bodies = new BodyShapes<string, string>();
    expect(bodies.get(records[0]!)).toBeUndefined();
    // Not the first time its first record shape opens a body: only the second.
    expect(bodies.learn(records)).toBeUndefined();
    expect(bodies.get(records[0]!)).toBeUndefined();
    const learned = bodies.learn(records)!;
    expect(bodies.get(records[0]!)).toBe(learned);
    expect(bodies.get(records[1]!)).toBeUndefined();
    expect(bodies.bytes).toBe(learned.bytes.length);
    bodies.failed(records[0]!);
    expect(bodies.get(records[0]!)).toBeUndefined();
  });

  it('stops learning bodies of a first record shape after three that were not of its body shape', () => {
    const records = shapesOf(RECORDS);
    const bodies = new BodyShapes<string, string>();
    bodies.opened(records[0]!);
    bodies.opened(records[1]!);
    for (let i = 0; i < 3; i++) {
      expect(bodies.learn(records)).toBeDefined();
      bodies.failed(records[0]!);
    }
    expect(bodies.learn(records)).toBeUndefined();
    expect(bodies.get(records[0]!)).toBeUndefined();
    // Another first record shape is not affected.
    expect(bodies.learn(records.slice(1))).toBeDefined();
  });

  it('starts over past maxBytes, the first record shapes given up forgotten too', () => {
    const records = shapesOf(RECORDS);
    const size = (shapes: readonly RecordShape<string, string>[]) => joinShapes(shapes)!.bytes.length;
    const [second, third] = [records.slice(1), records.slice(2)];
    const maxBytes = 4 * size(records);
    const bodies = new BodyShapes<string, string>(maxBytes);
    bodies.opened(records[1]!);
    bodies.opened(records[2]!);
    for (let i = 0; i < 3; i++) {
      expect(bodies.learn(second)).toBeDefined();
      bodies.failed(records[1]!);
    }
    expect(bodies.learn(second)).toBeUndefined();
    expect(bodies.bytes).toBe(3 * size(second));
    // Learned again and again until the bytes pass the bound: then all start over.
    let before = bodies.bytes;
    while (bodies.bytes >= before) {
      expect(bodies.bytes).toBeLessThanOrEqual(maxBytes);
      before = bodies.bytes;
      expect(bodies.learn(third)).toBeDefined();
    }
    expect(bodies.bytes).toBe(size(third));
    // What opened bodies before is forgotten too, but for the body learned last.
    expect(bodies.learn(second)).toBeUndefined();
    expect(bodies.learn(second)).toBeDefined();
    expect(bodies.learn(third)).toBeDefined();
  });
});

describe('BodyShapes: what a body shape keeps', () => {
  it('keeps its own list of record shapes, and no body shape over a quarter of maxBytes', () => {
    const records = shapesOf(RECORDS);
    const walked = [...records];
    const bodies = new BodyShapes<string, string>();
    bodies.opened(records[0]!);
    const learned = bodies.learn(walked)!;
    walked.length = 0;
    expect(learned.records).toEqual(records);
    const size = joinShapes(records)!.bytes.length;
    const bounded = (maxBytes: number) => {
      const fresh = new BodyShapes<string, string>(maxBytes);
      fresh.opened(records[0]!);
      return fresh.learn(records);
    };
    expect(bounded(4 * size)).toBeDefined();
    expect(bounded(4 * size - 1)).toBeUndefined();
    expect(joinShapes(records, size - 1)).toBeUndefined();
  });
});
