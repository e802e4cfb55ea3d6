import { describe, expect, it } from 'vitest';
import { ConfigError, readEnv } from './env-reader.js';

describe('readEnv', () => {
  it('returns defaults for unset and empty variables', () => {
    const env = readEnv({ EMPTY: '  ' });
    expect(env.int('EMPTY', 7)).toBe(7);
    expect(env.string('MISSING', 'x')).toBe('x');
    expect(env.list('MISSING', ['a'])).toEqual(['a']);
  });

  it('parses typed values', () => {
    const env = readEnv({ N: '42', F: '1.5', B: 'yes', L: 'a, b,,c', C: 'server' });
    expect(env.int('N', 0)).toBe(42);
    expect(env.number('F', 0)).toBe(1.5);
    expect(env.bool('B', false)).toBe(true);
    expect(env.list('L', [])).toEqual(['a', 'b', 'c']);
    expect(env.oneOf('C', ['embedded', 'server'], 'embedded')).toBe('server');
  });

  it.each([
    [{ N: 'ten' }, (e: ReturnType<typeof readEnv>) => e.int('N', 0), /^N: must be an integer/],
    [{ N: '5' }, (e: ReturnType<typeof readEnv>) => e.int('N', 0, { min: 10 }), /^N: must be >= 10/],
    [{ N: '50' }, (e: ReturnType<typeof readEnv>) => e.int('N', 0, { max: 10 }), /^N: must be <= 10/],
    [{ B: 'maybe' }, (e: ReturnType<typeof readEnv>) => e.bool('B', false), /^B: must be true or false/],
    [{ C: 'x' }, (e: ReturnType<typeof readEnv>) => e.oneOf('C', ['a', 'b'], 'a'), /^C: must be one of a, b/],
    [{}, (e: ReturnType<typeof readEnv>) => e.string('REQ'), /^REQ: is required/],
  ])('names the variable in errors (%j)', (vars, read, message) => {
    const env = readEnv(vars);
    expect(() => read(env)).toThrow(ConfigError);
    expect(() => read(env)).toThrow(message);
  });

  it('records the names it was asked for', () => {
    const env = readEnv({});
    env.int('A', 1);
    env.string('B', 'b');
    expect([...env.names]).toEqual(['A', 'B']);
  });
});
