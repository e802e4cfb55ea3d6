import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PendingRows, RecordHoles, RecordShapes, shapeHash } from './record-shapes.js';

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

function find(shapes: RecordShapes<string>, org: string, text: string, hash?: number) {
  const [bytes, holes] = holed(text);
  const h = hash ?? shapeHash(bytes, 0, bytes.length, holes);
  return shapes.find(h, org, bytes, 0, bytes.length, holes)?.series[0];
}

function add(shapes: RecordShapes<string>, org: string, text: string, series: string, hash?: number) {
  const [bytes, holes] = holed(text);
  const h = hash ?? shapeHash(bytes, 0, bytes.length, holes);
  return shapes.add(h, org, bytes, 0, bytes.length, holes, [series], [0]);
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
          const shapes = new RecordShapes<string>();
          // One hash for all: every lookup walks one chain and must compare the bytes.
          for (const text of texts) add(shapes, 'acme', `{[1]${text}}`, text, 7);
          for (const text of texts) expect(find(shapes, 'acme', `{[22]${text}}`, 7)).toBe(text);
          expect(find(shapes, 'acme', '{[1]\u0000none}', 7)).toBeUndefined();
        },
      ),
    );
  });

  it('keeps a copy of the bytes: the body may be reused', () => {
    const shapes = new RecordShapes<string>();
    const [bytes, holes] = holed('{"n":"a","v":[1]}');
    shapes.add(shapeHash(bytes, 0, bytes.length, holes), 'acme', bytes, 0, bytes.length, holes, ['a'], [0]);
    bytes.fill(0x20);
    expect(find(shapes, 'acme', '{"n":"a","v":[7]}')).toBe('a');
  });

  it('starts over when its shapes hold `capacity` series', () => {
    const shapes = new RecordShapes<string>(3);
    const [bytes, holes] = holed('h[1]');
    shapes.add(1, 'acme', bytes, 0, bytes.length, holes, ['h1', 'h2'], [0, 0]);
    add(shapes, 'acme', 'a[1]', 'a');
    expect(shapes.size).toBe(2);
    add(shapes, 'acme', 'b[1]', 'b');
    expect(shapes.size).toBe(1);
    expect(find(shapes, 'acme', 'a[1]')).toBeUndefined();
    expect(find(shapes, 'acme', 'b[1]')).toBe('b');
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

describe('RecordHoles and PendingRows', () => {
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

  it('adds each record’s rows in order, with its values from its holes, once', () => {
    const shapes = new RecordShapes<string>();
    const [bytes, holes] = holed('{"a":[1],"b":[2]}');
    const shape = shapes.add(0, 'acme', bytes, 0, bytes.length, holes, ['b', 'a'], [1, 0]);
    const pending = new PendingRows<string>();
    pending.push(shape, holes, 10, '');
    const [, other] = holed('{"a":[3],"b":[4]}');
    pending.push(shape, other, 20, 'raw');
    expect(pending.records).toBe(2);
    const rows: unknown[] = [];
    const sink = { add: (...row: unknown[]) => rows.push(row) };
    expect(pending.addTo(sink)).toBe(4);
    expect(rows).toEqual([
      ['b', 10, 2, ''],
      ['a', 10, 1, ''],
      ['b', 20, 4, 'raw'],
      ['a', 20, 3, 'raw'],
    ]);
    expect(pending.addTo(sink)).toBe(0);
  });
});
