import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.js';

describe('RateLimiter', () => {
  it('allows the limit per IP per minute, then names the seconds to wait', () => {
    let now = 120_000 + 45_000;
    const limiter = new RateLimiter(2, () => now);
    expect(limiter.take('a')).toBeUndefined();
    expect(limiter.take('a')).toBeUndefined();
    expect(limiter.take('a')).toBe(15);
    expect(limiter.take('b')).toBeUndefined();
    now += 15_000;
    expect(limiter.take('a')).toBeUndefined();
  });

  it('is off at 0', () => {
    const limiter = new RateLimiter(0);
    for (let i = 0; i < 1000; i++) expect(limiter.take('a')).toBeUndefined();
  });
});
