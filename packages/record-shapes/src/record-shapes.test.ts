import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordShapes, shapeHash } from './record-shapes.js';

/** A record's text with its holes marked by [ and ], as [bytes, holes] (the marks removed). */
function holed(text: string): [Buffer, number[]] {
  const holes: number[] = [];
  let plain = '';
  for (const c of text) {
    if (c === '[' || c === ']') holes.push(plain.length);
    else plain += c;
  }
  return [Buffer.from(plain), holes];
}

function find(shapes: RecordShapes<string>, org: string, text: string) {
  const [bytes, holes] = holed(text);
  const hash = shapeHash(bytes, 0, bytes.length, holes, holes.length / 2);
  return shapes.find(hash, org, bytes, 0, bytes.length, holes, holes.length / 2)?.series[0];
}

function add(shapes: RecordShapes<string>, org: string, text: string, series: string) {
  const [bytes, holes] = holed(text);
  const hash = shapeHash(bytes, 0, bytes.length, holes, holes.length / 2);
  shapes.add(hash, org, bytes, 0, bytes.length, holes, holes.length / 2, [series], [0]);
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
        fc.uniqueArray(fc.stringMatching(/^[^[\]]{0,6}$/), { minLength: 1, maxLength: 30 }),
        (texts) => {
          const shapes = new RecordShapes<string>();
          // One hash for all: every lookup walks one chain and must compare the bytes.
          const at = (text: string, value: string) => holed(`{[${value}]${text}}`);
          for (const text of texts) {
            const [bytes, holes] = at(text, '1');
            shapes.add(7, 'acme', bytes, 0, bytes.length, holes, 1, [text], [0]);
          }
          for (const text of texts) {
            const [bytes, holes] = at(text, '22');
            expect(shapes.find(7, 'acme', bytes, 0, bytes.length, holes, 1)?.series[0]).toBe(text);
          }
          const [bytes, holes] = at('\u0000none', '1');
          expect(shapes.find(7, 'acme', bytes, 0, bytes.length, holes, 1)).toBeUndefined();
        },
      ),
    );
  });

  it('keeps a copy of the bytes: the body may be reused', () => {
    const shapes = new RecordShapes<string>();
    const [bytes, holes] = holed('{"n":"a","v":[1]}');
    const hash = shapeHash(bytes, 0, bytes.length, holes, 1);
    shapes.add(hash, 'acme', bytes, 0, bytes.length, holes, 1, ['a'], [0]);
    bytes.fill(0x20);
    expect(find(shapes, 'acme', '{"n":"a","v":[7]}')).toBe('a');
  });

  it('starts over at its capacity', () => {
    const shapes = new RecordShapes<string>(2);
    add(shapes, 'acme', 'a[1]', 'a');
    add(shapes, 'acme', 'b[1]', 'b');
    expect(shapes.size).toBe(2);
    add(shapes, 'acme', 'c[1]', 'c');
    expect(shapes.size).toBe(1);
    expect(find(shapes, 'acme', 'a[1]')).toBeUndefined();
    expect(find(shapes, 'acme', 'c[1]')).toBe('c');
  });

  it('hashes the bytes outside the holes only, with the spans’ lengths', () => {
    const hash = (text: string) => {
      const [bytes, holes] = holed(text);
      return shapeHash(bytes, 0, bytes.length, holes, holes.length / 2);
    };
    expect(hash('ab[123]cd')).toBe(hash('ab[9]cd'));
    expect(hash('ab[1]cd')).not.toBe(hash('a[1]bcd'));
    expect(hash('ab[1]cd')).not.toBe(hash('abcd'));
    expect(hash('x')).toBeLessThan(2 ** 30);
  });
});
