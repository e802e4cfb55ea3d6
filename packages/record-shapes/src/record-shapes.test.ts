import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type HoleReader,
  matchShape,
  RecordHoles,
  type RecordShape,
  RecordShapes,
  ShapeCursor,
  ShapeWalk,
  shapeHash,
} from './record-shapes.js';

/** A record's text with its holes marked by [ and ], as its bytes and holes (the marks removed). */
function holed(text: string): [Buffer, RecordHoles] {
  const holes = new RecordHoles();
  let plain = '';
  let start = -1;
  for (const c of text) {
    if (c === '[') start = plain.length;
    else if (c === ']') holes.add(start, plain.length, 0, Number(plain.slice(start)));
    else plain += c;
  }
  return [Buffer.from(plain), holes];
}

function find(shapes: RecordShapes<string>, org: string, text: string) {
  const [bytes, holes] = holed(text);
  return shapes.find(org, bytes, 0, bytes.length, holes)?.series[0];
}

function add(shapes: RecordShapes<string>, org: string, text: string, series: string) {
  const [bytes, holes] = holed(text);
  return shapes.add(org, bytes, 0, bytes.length, holes, [series], [0], undefined);
}

/** Reads a hole's token as digits (at least one), noting it with its role. */
function digitsReader(bytes: Uint8Array, holes: RecordHoles): HoleReader {
  return {
    readHole(role, at) {
      let end = at;
      while (end < bytes.length && bytes[end]! >= 0x30 && bytes[end]! <= 0x39) end++;
      if (end === at) return -1;
      holes.add(at, end, role, Number(Buffer.from(bytes.subarray(at, end)).toString()));
      return end;
    },
  };
}

describe('RecordShapes: series of records known by their bytes outside the holes', () => {
  it('finds a shape whatever its holes hold, and only with the same bytes around them', () => {
    const shapes = new RecordShapes<string>();
    add(shapes, 'acme', '{"v":[1],"dt":[5]}', 's1');
    expect(find(shapes, 'acme', '{"v":[1234.5],"dt":["2024-01-01"]}')).toBe('s1');
    expect(find(shapes, 'acme', '{"v":[],"dt":[]}')).toBe('s1');
    // Bytes moved across a hole's edge, a byte changed, a hole more or less, another org.
    expect(find(shapes, 'acme', '{"v":1[],"dt":[5]}')).toBeUndefined();
    expect(find(shapes, 'acme', '{"w":[1],"dt":[5]}')).toBeUndefined();
    expect(find(shapes, 'acme', '{"v":[1],"dt":5}')).toBeUndefined();
    expect(find(shapes, 'acme', '{"v":[1],"dt":[5]}[]')).toBeUndefined();
    expect(find(shapes, 'other', '{"v":[1],"dt":[5]}')).toBeUndefined();
  });

  it('finds every shape it holds, and no other, when hashes collide', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[^[\]]{0,9}$/), { minLength: 1, maxLength: 30 }),
        (texts) => {
          // One hash for all: every lookup walks one chain and must compare the bytes.
          const shapes = new RecordShapes<string>(200_000, () => 7);
          for (const text of texts) add(shapes, 'acme', `{[1]${text}}`, text);
          for (const text of texts) expect(find(shapes, 'acme', `{[22]${text}}`)).toBe(text);
          expect(find(shapes, 'acme', '{[1]\u0000none}')).toBeUndefined();
        },
      ),
    );
  });

  it('predicts the shape that followed the previous one last time, and the one that began the last body', () => {
    let hashed = 0;
    const shapes = new RecordShapes<string>(200_000, (...args) => {
      hashed++;
      return shapeHash(...args);
    });
    const cursor = new ShapeCursor<string>();
    const texts = ['{"a":[1]}', '{"b":[1]}', '{"c":[1]}'];
    /** One body of the texts with this value: each record matched to its prediction, or found, or added. */
    const walk = (value: string) => {
      cursor.begin(shapes, 'acme');
      const out = texts.map((text) => {
        const [bytes, holes] = holed(text.replace('1', value));
        const predicted = cursor.predicted();
        if (
          predicted !== undefined &&
          matchShape(predicted, bytes, 0, bytes.length, holes, digitsReader(bytes, holes)) === bytes.length
        ) {
          cursor.matched(predicted);
          return `${predicted.series[0]}=${holes.values[0]}`;
        }
        const shape =
          cursor.find(bytes, 0, bytes.length, holes) ??
          cursor.add(bytes, 0, bytes.length, holes, [text], [0], undefined);
        return `${shape.series[0]} new`;
      });
      cursor.end();
      return out;
    };
    expect(walk('1')).toEqual(texts.map((t) => `${t} new`));
    hashed = 0;
    expect(walk('22')).toEqual(texts.map((t) => `${t}=22`));
    // Every record was its prediction: the first the shape that began the last body.
    expect(hashed).toBe(0);
    // Nor does a prediction cross orgs.
    cursor.begin(shapes, 'other');
    expect(cursor.predicted()).toBeUndefined();
  });

  it('matches a record to a shape by its spans and the tokens its reader finds in the holes', () => {
    const shapes = new RecordShapes<string>();
    const shape = add(shapes, 'acme', '{"v":[1],"w":[2]}', 's');
    const match = (text: string) => {
      const bytes = Buffer.from(text);
      const holes = new RecordHoles();
      const end = matchShape(shape, bytes, 0, bytes.length, holes, digitsReader(bytes, holes));
      return end < 0 ? undefined : { end, values: holes.values.slice(0, holes.count) };
    };
    expect(match('{"v":123,"w":4}')).toEqual({ end: 15, values: [123, 4] });
    // What follows the record is not its own.
    expect(match('{"v":1,"w":2}, more')).toEqual({ end: 13, values: [1, 2] });
    expect(match('{"v":1,"w":x}')).toBeUndefined();
    expect(match('{"v":,"w":2}')).toBeUndefined();
    expect(match('{"v":1,"W":2}')).toBeUndefined();
    expect(match('{"v":1,"w":2')).toBeUndefined();
    expect(match('{"v":1')).toBeUndefined();
    // Only up to the limit: a record cut short there does not match.
    const bytes = Buffer.from('{"v":1,"w":2}');
    const holes = new RecordHoles();
    expect(matchShape(shape, bytes, 0, bytes.length - 1, holes, digitsReader(bytes, holes))).toBe(-1);
    // Holes read before a failed match are cleared at the next one.
    expect(match('{"v":7,"w":8}')?.values).toEqual([7, 8]);
  });

  it('notices a change at any byte of spans of any length, wherever they lie', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 70, size: 'max' }),
        fc.uint8Array({ maxLength: 40, size: 'max' }),
        fc.nat(7),
        fc.nat(200),
        (left, right, offset, flip) => {
          // A record "left 7,right" at an unaligned offset; the hole holds a digit, ended by the comma.
          const record = Buffer.concat([Buffer.alloc(offset, 0x20), left, Buffer.from('7,'), right]);
          const holes = new RecordHoles();
          holes.add(offset + left.length, offset + left.length + 1, 0, 7);
          const shapes = new RecordShapes<string>();
          const shape = shapes.add('acme', record, offset, record.length, holes, ['s'], [0], undefined);
          const reader = (bytes: Uint8Array) => digitsReader(bytes, new RecordHoles());
          const same = Buffer.from(record);
          expect(matchShape(shape, same, offset, same.length, new RecordHoles(), reader(same))).toBe(
            same.length,
          );
          const spanBytes = left.length + 1 + right.length;
          const k = flip % spanBytes;
          const at = k < left.length ? offset + k : offset + left.length + 1 + (k - left.length);
          const changed = Buffer.from(record);
          changed[at] = changed[at]! ^ (1 << (flip % 8));
          expect(matchShape(shape, changed, offset, changed.length, new RecordHoles(), reader(changed))).toBe(
            -1,
          );
          expect(shapes.find('acme', changed, offset, changed.length, holes)).toBeUndefined();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('finds a record by hash after a failed prediction, and makes that its successor', () => {
    const shapes = new RecordShapes<string>();
    const a = add(shapes, 'acme', '{"a":[1]}', 'a');
    const [c, cHoles] = holed('{"c":[1]}');
    const cShape = shapes.add('acme', c, 0, c.length, cHoles, ['c'], [0], undefined);
    const [c2, c2Holes] = holed('{"c":[5]}');
    expect(shapes.find('acme', c2, 0, c2.length, c2Holes, a)).toBe(cShape);
    expect(a.successor).toBe(cShape);
  });

  it('keeps a copy of the bytes: the body may be reused', () => {
    const shapes = new RecordShapes<string>();
    const [bytes, holes] = holed('{"n":"a","v":[1]}');
    shapes.add('acme', bytes, 0, bytes.length, holes, ['a'], [0], undefined);
    bytes.fill(0x20);
    expect(find(shapes, 'acme', '{"n":"a","v":[7]}')).toBe('a');
  });

  it('shares equal lists, and equal metas with the shape before, each shape still its own bytes', () => {
    interface Meta {
      readonly stream: string;
    }
    const shapes = new RecordShapes<string, Meta>(
      200_000,
      shapeHash,
      1 << 20,
      (x, y) => x.stream === y.stream,
    );
    const make = (text: string, stream: string, after?: RecordShape<string, Meta>) => {
      const [bytes, holes] = holed(text);
      return shapes.add('acme', bytes, 0, bytes.length, holes, [text], [0], { stream }, after);
    };
    const a = make('{"host":"a1","v":[1]}', 'up');
    const b = make('{"host":"b2","v":[1]}', 'up', a);
    const c = make('{"host":"c","v":[1],"w":[2]}', 'down', b);
    // Equal lists are shared whatever the order the shapes were made in; metas only with the one before.
    const d = make('{"host":"d4","v":[1]}', 'up', c);
    const e = make('{"host":"e5","v":[1]}', 'up');
    for (const shape of [b, d, e]) {
      expect(shape.spans).toBe(a.spans);
      expect(shape.roles).toBe(a.roles);
      expect(shape.valueHoles).toBe(a.valueHoles);
    }
    expect(b.meta).toBe(a.meta);
    expect(d.meta).not.toBe(a.meta);
    expect(d.meta).toEqual({ stream: 'up' });
    expect(e.meta).not.toBe(a.meta);
    expect(c.spans).not.toBe(a.spans);
    expect(c.spans).toEqual([16, 5, 1]);
    expect(c.meta).toEqual({ stream: 'down' });
    const seriesOf = (text: string) => {
      const [bytes, holes] = holed(text);
      return shapes.find('acme', bytes, 0, bytes.length, holes)?.series[0];
    };
    expect(seriesOf('{"host":"b2","v":[7]}')).toBe('{"host":"b2","v":[1]}');
    expect(seriesOf('{"host":"b3","v":[7]}')).toBeUndefined();
    // Without the comparison, metas are each shape's own.
    const plain = new RecordShapes<string, Meta>();
    const [x, xHoles] = holed('x[1]');
    const [y, yHoles] = holed('y[1]');
    const shapeX = plain.add('acme', x, 0, x.length, xHoles, ['x'], [0], { stream: 'up' });
    expect(plain.add('acme', y, 0, y.length, yHoles, ['y'], [0], { stream: 'up' }, shapeX).meta).not.toBe(
      shapeX.meta,
    );
  });

  it('shares a list with another only when they are equal element by element', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat(40), { minLength: 1, maxLength: 4 }), { maxLength: 30 }),
        (lists) => {
          const shapes = new RecordShapes<string>();
          const made = lists.map((lengths, i) => {
            // One record per list of span lengths: its spans of that many bytes around one-digit holes.
            const text = lengths
              .map((n, k) => String.fromCharCode(97 + ((i + k) % 26)).repeat(n))
              .join('[1]');
            const [bytes, holes] = holed(text);
            return shapes.add('acme', bytes, 0, bytes.length, holes, [text], [0], undefined);
          });
          for (let i = 0; i < made.length; i++) {
            expect(made[i]!.spans).toEqual(lists[i]);
            for (let j = 0; j < i; j++)
              expect(made[i]!.spans === made[j]!.spans).toBe(lists[i]!.join() === lists[j]!.join());
          }
        },
      ),
    );
  });

  it('tells apart lists whose hashes collide', () => {
    // [906, 939] and [3072, 552] hash alike (found by search): the second is its own list.
    const shapes = new RecordShapes<string>();
    const make = (x: number, y: number, fill: string) => {
      const [bytes, holes] = holed(`${fill.repeat(x)}[1]${fill.repeat(y)}`);
      return shapes.add('acme', bytes, 0, bytes.length, holes, [fill], [0], undefined).spans;
    };
    const first = make(906, 939, 'a');
    const second = make(3072, 552, 'b');
    expect(second).toEqual([3072, 552]);
    expect(make(906, 939, 'c')).toBe(first);
    expect(make(3072, 552, 'd')).toBe(second);
  });

  it('starts over when its shapes hold `capacity` series; a shape made before keeps its bytes', () => {
    const shapes = new RecordShapes<string>(3);
    const old = add(shapes, 'acme', 'h[1]', 'h');
    add(shapes, 'acme', 'a[1]', 'a');
    add(shapes, 'acme', 'bb[1]', 'b');
    expect(shapes.size).toBe(3);
    add(shapes, 'acme', 'c[1]', 'c');
    expect(shapes.size).toBe(1);
    expect(find(shapes, 'acme', 'a[1]')).toBeUndefined();
    expect(find(shapes, 'acme', 'c[1]')).toBe('c');
    // Still reachable as a prediction (a walk that began before), it matches only its own bytes.
    const matches = (text: string) => {
      const bytes = Buffer.from(text);
      const holes = new RecordHoles();
      return matchShape(old, bytes, 0, bytes.length, holes, digitsReader(bytes, holes)) >= 0;
    };
    expect(matches('h2')).toBe(true);
    expect(matches('c2')).toBe(false);
  });

  it('starts over when its shapes hold `maxBytes` of spans, whatever their count', () => {
    const shapes = new RecordShapes<string>(200_000, shapeHash, 100);
    add(shapes, 'acme', `${'a'.repeat(60)}[1]`, 'a');
    add(shapes, 'acme', `${'b'.repeat(39)}[1]`, 'b');
    expect(shapes.size).toBe(2);
    add(shapes, 'acme', 'cc[1]', 'c');
    expect(shapes.size).toBe(1);
    expect(find(shapes, 'acme', `${'a'.repeat(60)}[2]`)).toBeUndefined();
    // A record longer than the bound still gets its shape, alone.
    add(shapes, 'acme', `${'d'.repeat(500)}[1]`, 'd');
    expect(shapes.size).toBe(1);
    expect(find(shapes, 'acme', `${'d'.repeat(500)}[7]`)).toBe('d');
  });

  it('counts a shape without series as one toward its capacity, and forgets openers with its shapes', () => {
    const shapes = new RecordShapes<never>(2);
    const cursor = new ShapeCursor<never>();
    cursor.begin(shapes, 'acme');
    for (const text of ['a[1]', 'b[1]']) {
      const [bytes, holes] = holed(text);
      cursor.know(bytes, 0, bytes.length, holes, () => undefined);
    }
    cursor.end();
    expect(shapes.size).toBe(2);
    cursor.begin(shapes, 'acme');
    expect(cursor.predicted()).toBeDefined();
    const [c, cHoles] = holed('c[1]');
    cursor.know(c, 0, c.length, cHoles, () => undefined);
    expect(shapes.size).toBe(1);
    // The opener was dropped with the map: the body just begun made "c" the next one's.
    cursor.end();
    cursor.begin(shapes, 'acme');
    const [c2, c2Holes] = holed('c[9]');
    const opener = cursor.predicted();
    expect(opener && matchShape(opener, c2, 0, c2.length, c2Holes, digitsReader(c2, c2Holes))).toBe(
      c2.length,
    );
  });

  it('stops walking bodies when its shapes were dropped before serving, and probes to start again', () => {
    const shapes = new RecordShapes<string>(3);
    for (const text of ['a[1]', 'b[1]', 'c[1]']) add(shapes, 'acme', text, text);
    expect(shapes.worthWalking()).toBe(true);
    // The map is full of shapes that served nothing: dropping it turns walking off.
    add(shapes, 'acme', 'd[1]', 'd');
    const tries = Array.from({ length: 32 }, () => shapes.worthWalking());
    expect(tries.filter(Boolean)).toHaveLength(2);
    expect(tries[15]).toBe(true);
    // A probe that finds fewer than half its records known changes nothing; half or more does.
    shapes.walked(1, 3);
    expect(Array.from({ length: 15 }, () => shapes.worthWalking()).some(Boolean)).toBe(false);
    shapes.walked(2, 4);
    expect(shapes.worthWalking()).toBe(true);
  });

  it('keeps walking when its shapes served at least as many records as it made', () => {
    const shapes = new RecordShapes<string>(3);
    add(shapes, 'acme', 'a[1]', 'a');
    for (let i = 0; i < 3; i++) expect(find(shapes, 'acme', `a[${i}]`)).toBe('a');
    add(shapes, 'acme', 'b[1]', 'b');
    add(shapes, 'acme', 'c[1]', 'c');
    add(shapes, 'acme', 'd[1]', 'd');
    expect(shapes.size).toBe(1);
    expect(Array.from({ length: 16 }, () => shapes.worthWalking()).every(Boolean)).toBe(true);
  });

  it('keeps records longer than a chunk of shapes', () => {
    const shapes = new RecordShapes<string>();
    const long = `{"k":"${'x'.repeat(300_000)}","v":[1]}`;
    add(shapes, 'acme', long, 'long');
    add(shapes, 'acme', 'a[1]', 'a');
    expect(find(shapes, 'acme', long.replace('[1]', '[2]'))).toBe('long');
    expect(find(shapes, 'acme', long.replace('x"', 'y"'))).toBeUndefined();
    expect(find(shapes, 'acme', 'a[9]')).toBe('a');
  });

  it('hashes the bytes outside the holes only, with the spans’ lengths', () => {
    const hash = (text: string) => {
      const [bytes, holes] = holed(text);
      return shapeHash(bytes, 0, bytes.length, holes);
    };
    expect(hash('ab[123]cd')).toBe(hash('ab[9]cd'));
    expect(hash('abcdefgh[1]ijklmnopq')).toBe(hash('abcdefgh[1.25]ijklmnopq'));
    expect(hash('ab[1]cd')).not.toBe(hash('a[1]bcd'));
    expect(hash('ab[1]cd')).not.toBe(hash('abcd'));
    expect(hash('abcdefgh')).not.toBe(hash('abcdefgi'));
    expect(hash('x')).toBeLessThan(2 ** 30);
  });
});

describe('RecordHoles and ShapeWalk', () => {
  it('finds the one hole of a role', () => {
    const holes = new RecordHoles();
    holes.add(0, 1, 5, 1);
    holes.add(2, 3, -1, 2);
    holes.add(4, 5, -1, 3);
    expect(holes.indexOf(5)).toBe(0);
    expect(holes.indexOf(-1)).toBe(-1); // two of them
    expect(holes.indexOf(9)).toBe(-1);
    holes.clear();
    expect(holes.indexOf(5)).toBe(-1);
  });

  it('adds each record’s rows in order, with its values from its holes, once the body is done', () => {
    const shapes = new RecordShapes<string>();
    const walk = new ShapeWalk<string>();
    walk.begin(shapes, 'acme');
    const [bytes, holes] = holed('{"a":[1],"b":[2]}');
    expect(walk.find(bytes, 0, bytes.length, holes)).toBeUndefined();
    const shape = walk.add(bytes, 0, bytes.length, holes, ['b', 'a'], [1, 0], undefined);
    walk.take(shape, holes, 10, '');
    const [other, otherHoles] = holed('{"a":[3],"b":[4]}');
    expect(walk.find(other, 0, other.length, otherHoles)).toBe(shape);
    walk.take(shape, otherHoles, 20, 'raw');
    expect(walk.records).toBe(2);
    const rows: unknown[] = [];
    const sink = { add: (...row: unknown[]) => rows.push(row) };
    expect(walk.finish(sink)).toBe(4);
    expect(rows).toEqual([
      ['b', 10, 2, ''],
      ['a', 10, 1, ''],
      ['b', 20, 4, 'raw'],
      ['a', 20, 3, 'raw'],
    ]);
    expect(walk.records).toBe(0);
    expect(walk.finish(sink)).toBe(0);
  });

  it('starts each body over: rows of an abandoned one are not added', () => {
    const walk = new ShapeWalk<string>();
    const shapes = new RecordShapes<string>();
    expect(walk.begin(shapes, 'acme')).toBe(true);
    const [bytes, holes] = holed('{"a":[1]}');
    walk.take(walk.add(bytes, 0, bytes.length, holes, ['a'], [0], undefined), holes, 10, '');
    walk.abandon();
    expect(walk.records).toBe(0);
    walk.begin(shapes, 'acme');
    const rows: unknown[] = [];
    expect(walk.finish({ add: (...row: unknown[]) => rows.push(row) })).toBe(0);
    expect(rows).toEqual([]);
  });
});
