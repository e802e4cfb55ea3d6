import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordHoles, type RecordShape, RecordShapes, ShapeWalk, shapeHash } from './record-shapes.js';

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
  return shapes.add(org, bytes, 0, bytes.length, holes, [series], [0]);
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

  it('tries the shape that followed the previous one last time before hashing', () => {
    let hashed = 0;
    const shapes = new RecordShapes<string>(200_000, (...args) => {
      hashed++;
      return shapeHash(...args);
    });
    const texts = ['{"a":[1]}', '{"b":[1]}', '{"c":[1]}'];
    const walk = (value: string) => {
      let after: RecordShape<string> | undefined;
      return texts.map((text) => {
        const [bytes, holes] = holed(text.replace('1', value));
        const shape =
          shapes.find('acme', bytes, 0, bytes.length, holes, after) ??
          shapes.add('acme', bytes, 0, bytes.length, holes, [text], [0], after);
        after = shape;
        return shape.series[0];
      });
    };
    expect(walk('1')).toEqual(texts);
    hashed = 0;
    expect(walk('22')).toEqual(texts);
    // The first record is looked up by its hash; the others were predicted.
    expect(hashed).toBe(1);
    // A prediction that fails falls back to the hash: after "a" comes "b", but this is "c".
    const [a, aHoles] = holed('{"a":[3]}');
    const first = shapes.find('acme', a, 0, a.length, aHoles);
    const [c, cHoles] = holed('{"c":[5]}');
    expect(shapes.find('acme', c, 0, c.length, cHoles, first)?.series[0]).toBe('{"c":[1]}');
    // Nor does a prediction cross orgs.
    const [b, bHoles] = holed('{"b":[1]}');
    expect(shapes.find('other', b, 0, b.length, bHoles, first)).toBeUndefined();
  });

  it('keeps a copy of the bytes: the body may be reused', () => {
    const shapes = new RecordShapes<string>();
    const [bytes, holes] = holed('{"n":"a","v":[1]}');
    shapes.add('acme', bytes, 0, bytes.length, holes, ['a'], [0]);
    bytes.fill(0x20);
    expect(find(shapes, 'acme', '{"n":"a","v":[7]}')).toBe('a');
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
    const [h, hHoles] = holed('h[2]');
    const [c, cHoles] = holed('c[2]');
    const predicted = { ...old, successor: old };
    expect(shapes.find('acme', h, 0, h.length, hHoles, predicted)).toBe(old);
    expect(shapes.find('acme', c, 0, c.length, cHoles, predicted)?.series[0]).toBe('c');
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
    const shape = walk.add(bytes, 0, bytes.length, holes, ['b', 'a'], [1, 0]);
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
    walk.take(walk.add(bytes, 0, bytes.length, holes, ['a'], [0]), holes, 10, '');
    walk.abandon();
    expect(walk.records).toBe(0);
    walk.begin(shapes, 'acme');
    const rows: unknown[] = [];
    expect(walk.finish({ add: (...row: unknown[]) => rows.push(row) })).toBe(0);
    expect(rows).toEqual([]);
  });
});
