import { describe, expect, it } from 'vitest';
import { checkTimeWindow } from './time-window.js';

const now = 1_800_000_000_000_000;
const window = { maxAgeUs: 15 * 60e6, maxFutureUs: 3600e6 };

describe('checkTimeWindow', () => {
  it('accepts the edges of the window', () => {
    expect(checkTimeWindow(now - window.maxAgeUs, now, window)).toBeUndefined();
    expect(checkTimeWindow(now + window.maxFutureUs, now, window)).toBeUndefined();
  });
  it('names the past bound', () => {
    expect(checkTimeWindow(now - window.maxAgeUs - 1, now, window)).toMatch(/more than 15 min in the past/);
  });
  it('names the future bound', () => {
    expect(checkTimeWindow(now + window.maxFutureUs + 1, now, window)).toMatch(/more than 1 h in the future/);
  });
  it('is off when a bound is 0', () => {
    expect(checkTimeWindow(0, now, { maxAgeUs: 0, maxFutureUs: 0 })).toBeUndefined();
    expect(checkTimeWindow(now * 2, now, { maxAgeUs: 0, maxFutureUs: 0 })).toBeUndefined();
  });
});
