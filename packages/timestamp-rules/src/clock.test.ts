import { describe, expect, it } from 'vitest';
import { nowMicros } from './clock.js';

describe('nowMicros', () => {
  it('stays within the millisecond the wall clock reports, however far the monotonic clock drifted', () => {
    for (let i = 0; i < 10_000; i++) {
      const before = Date.now();
      const us = nowMicros();
      const after = Date.now();
      expect(us).toBeGreaterThanOrEqual(before * 1000);
      expect(us).toBeLessThan((after + 1) * 1000);
    }
  });

  it('has microseconds, not only whole milliseconds', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(nowMicros());
    expect([...seen].filter((us) => us % 1000 !== 0).length).toBeGreaterThan(10);
  });
});
