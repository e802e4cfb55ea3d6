import { describe, expect, it } from 'vitest';
import { isRetriableStoreError } from './errors.js';

describe('isRetriableStoreError', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['a read-only server (164)', Object.assign(new Error('readonly'), { code: '164' })],
    ['a missing table (60)', Object.assign(new Error('no table'), { code: '60' })],
    ['too many parts (252)', Object.assign(new Error('parts'), { code: '252' })],
    ['a socket timeout', new Error('Timeout error.')],
  ])('retries %s', (_label, error) => {
    expect(isRetriableStoreError(error)).toBe(true);
  });

  it('reads the code from the message of an embedded raw insert (code CHDB_INSERT)', () => {
    const error = Object.assign(new Error("Code: 27. DB::Exception: Cannot parse input: expected '\\t'"), {
      code: 'CHDB_INSERT',
    });
    expect(isRetriableStoreError(error)).toBe(false);
  });

  it('reads the code from an 18.16 message the client did not parse', () => {
    const error = new Error(
      'Code: 27, e.displayText() = DB::Exception: Cannot parse input: expected { before: …',
    );
    expect(isRetriableStoreError(error)).toBe(false);
    expect(isRetriableStoreError(new Error('Code: 164, e.displayText() = DB::Exception: readonly'))).toBe(
      true,
    );
  });

  it.each([
    ['a parse error (27)', '27'],
    ['a type mismatch (53)', '53'],
    ['unequal nested arrays (190)', '190'],
    ['an unknown enum element (691)', '691'],
  ])('gives up on %s', (_label, code) => {
    expect(isRetriableStoreError(Object.assign(new Error('bad rows'), { code }))).toBe(false);
  });
});
