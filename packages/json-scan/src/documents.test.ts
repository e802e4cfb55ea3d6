import { describe, expect, it } from 'vitest';
import { scanElements, scanLines, startAfterBom } from './documents.js';
import { JsonScanner } from './json-scanner.js';

/** The values the helpers hand out, as text, or undefined when they refuse the body. */
function elements(text: string): string[] | undefined {
  const body = Buffer.from(text);
  const s = new JsonScanner().reset(body, 0, body.length);
  s.skipWhitespace();
  const seen: string[] = [];
  const ok = scanElements(s, () => {
    s.skipWhitespace();
    const start = s.pos;
    if (!s.value()) return false;
    seen.push(body.toString('utf8', start, s.pos));
    return true;
  });
  return ok && s.skipWhitespace() === -1 ? seen : undefined;
}

function lines(text: string): string[] | undefined {
  const body = Buffer.from(text);
  const s = new JsonScanner();
  const seen: string[] = [];
  const ok = scanLines(s, body, startAfterBom(body), () => {
    const start = s.pos;
    if (!s.value()) return false;
    seen.push(body.toString('utf8', start, s.pos));
    return true;
  });
  return ok ? seen : undefined;
}

describe('document helpers', () => {
  it('skip a UTF-8 byte order mark and nothing else', () => {
    expect(startAfterBom(Buffer.from('\ufeff[]'))).toBe(3);
    expect(startAfterBom(Buffer.from('[]'))).toBe(0);
    expect(startAfterBom(Buffer.from([0xef, 0xbb]))).toBe(0);
  });

  it('read an array element by element and refuse what JSON.parse refuses', () => {
    expect(elements('[]')).toEqual([]);
    expect(elements(' [ 1 , {"a":[2]} ,"x"] ')).toEqual(['1', '{"a":[2]}', '"x"']);
    for (const broken of ['[1,]', '[1', '[1 2]', '[,1]']) expect(elements(broken)).toBeUndefined();
  });

  it('read one value per non-blank line and refuse a line with two', () => {
    expect(lines('\ufeff{"a":1}\r\n\n  \n5\n"x"')).toEqual(['{"a":1}', '5', '"x"']);
    expect(lines('\n\n')).toEqual([]);
    expect(lines('1 2')).toBeUndefined();
    expect(lines('{"a":\n1}')).toBeUndefined();
  });
});
