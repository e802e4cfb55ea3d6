import { describe, expect, it } from 'vitest';
import { ACCEPTED_CONTENT_TYPES, formatFromContentType } from './content-type.js';

describe('formatFromContentType', () => {
  it.each([
    ['application/json', 'json'],
    ['application/x-ndjson', 'ndjson'],
    ['application/msgpack', 'msgpack'],
    ['application/json; charset=utf-8', 'json'],
    ['Application/JSON;charset=UTF-8', 'json'],
    ['  application/x-ndjson  ; charset=utf-8', 'ndjson'],
    ['APPLICATION/MSGPACK', 'msgpack'],
  ])('%j → %s', (header, format) => {
    expect(formatFromContentType(header)).toBe(format);
  });

  it.each([
    undefined,
    '',
    'text/plain',
    'application/x-msgpack',
    'application/jsonx',
    'json',
    'application/json+x',
  ])('%j is not accepted', (header) => {
    expect(formatFromContentType(header)).toBeUndefined();
  });

  it('lists the accepted types for the 415 answer, each of which maps to a format', () => {
    expect(ACCEPTED_CONTENT_TYPES).toEqual([
      'application/json',
      'application/x-ndjson',
      'application/msgpack',
    ]);
    for (const type of ACCEPTED_CONTENT_TYPES) expect(formatFromContentType(type)).toBeDefined();
    expect(Object.isFrozen(ACCEPTED_CONTENT_TYPES)).toBe(true);
  });
});
