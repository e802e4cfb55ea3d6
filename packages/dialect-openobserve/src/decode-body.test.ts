import { describe, expect, it } from 'vitest';
import { decodeOpenObserveBody } from './decode-body.js';
import { processOpenObservePayload } from './process-payload.js';
import { context } from './test-support.js';

const decode = (text: string) => decodeOpenObserveBody(Buffer.from(text));
const a = { __name__: 'a' };
const b = { __name__: 'b' };

describe('decodeOpenObserveBody: accepted shapes', () => {
  it.each([
    ['a JSON array', '[{"__name__":"a"},{"__name__":"b"}]', [a, b]],
    ['an empty array', '[]', []],
    ['a pretty-printed array', '[\n  {"__name__": "a"},\n  {"__name__": "b"}\n]\n', [a, b]],
    ['an array after whitespace', ' \r\n\t[{"__name__":"a"}]', [a]],
    ['an array after a byte order mark', '\ufeff[{"__name__":"a"}]', [a]],
    ['NDJSON', '{"__name__":"a"}\n{"__name__":"b"}', [a, b]],
    ['NDJSON with a final newline', '{"__name__":"a"}\n{"__name__":"b"}\n', [a, b]],
    ['NDJSON with CRLF', '{"__name__":"a"}\r\n{"__name__":"b"}\r\n', [a, b]],
    ['NDJSON with blank lines', '\n\n{"__name__":"a"}\n   \n\t\n{"__name__":"b"}\n\n', [a, b]],
    ['NDJSON after a byte order mark', '\ufeff{"__name__":"a"}\n{"__name__":"b"}', [a, b]],
    ['a single object', '{"__name__":"a"}', [a]],
    ['a single pretty-printed object', '{\n  "__name__": "a"\n}\n', [a]],
    ['NDJSON lines that are not objects (each is a record)', '5\n"x"\nnull\n[1]', [5, 'x', null, [1]]],
    ['a single scalar line', '5', [5]],
  ])('%s', (_case, text, records) => {
    expect(decode(text)).toEqual({ ok: true, records });
  });

  it('decodes UTF-8 label values', () => {
    expect(decode('{"__name__":"a","city":"Zürich 東京"}')).toEqual({
      ok: true,
      records: [{ __name__: 'a', city: 'Zürich 東京' }],
    });
  });
});

describe('decodeOpenObserveBody: errors', () => {
  it.each([
    ['an empty body', ''],
    ['a blank body', ' \n\r\n\t '],
  ])('refuses %s', (_case, text) => {
    expect(decode(text)).toEqual({ ok: false, error: 'body is empty: expected a JSON array or NDJSON' });
  });

  it('refuses a broken array with the parser reason', () => {
    const result = decode('[{"__name__":"a"},]');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/^invalid JSON array: .+/);
  });

  it('refuses NDJSON of arrays: a body starting with [ is one JSON array', () => {
    const result = decode('[{"__name__":"a"}]\n[{"__name__":"b"}]');
    expect(!result.ok && result.error).toMatch(/^invalid JSON array: /);
  });

  it('names the NDJSON line of the error, counting blank lines', () => {
    const result = decode('{"__name__":"a"}\n\n{"__name__":"b"}\n{"__name__":\n');
    expect(!result.ok && result.error).toMatch(/^invalid NDJSON at line 4: .+/);
  });

  it('counts lines before the first record', () => {
    const result = decode('\n\nnot json');
    expect(!result.ok && result.error).toMatch(/^invalid NDJSON at line 3: .+/);
  });

  it('refuses two objects on one line', () => {
    const result = decode('{"__name__":"a"} {"__name__":"b"}');
    expect(!result.ok && result.error).toMatch(/^invalid NDJSON at line 1: /);
  });

  it('refuses a pretty-printed object followed by another record', () => {
    const result = decode('{\n"__name__": "a"\n}\n{"__name__":"b"}');
    expect(!result.ok && result.error).toMatch(/^invalid NDJSON at line 1: /);
  });

  it('refuses text that is not JSON', () => {
    expect(decode('__name__=cpu value=1').ok).toBe(false);
    expect(decode('cpu{host="a"} 1').ok).toBe(false);
  });

  it('refuses a body cut in the middle', () => {
    expect(decode('[{"__name__":"a"},{"__na').ok).toBe(false);
    expect(decode('{"__name__":"a"}\n{"__na').ok).toBe(false);
  });

  it('makes processOpenObservePayload answer with the same error', () => {
    const result = processOpenObservePayload(Buffer.from('[1,'), context());
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/^invalid JSON array: /);
  });
});
