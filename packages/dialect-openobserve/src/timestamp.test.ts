import { describe, expect, it } from 'vitest';
import { RECEIVED_AT_US, run } from './test-support.js';

const timeOf = (extra: Record<string, unknown>) => {
  const result = run([{ __name__: 'm', __type__: 'gauge', value: 1, ...extra }]);
  expect(result.rejected).toEqual([]);
  return result.samples[0]?.timestampUs;
};

describe('timestamps', () => {
  it.each([
    ['seconds', 1690129406, 1690129406000000],
    ['fractional seconds', 1690129406.5, 1690129406500000],
    ['milliseconds', 1690129406888, 1690129406888000],
    ['microseconds', 1690129406888123, 1690129406888123],
    ['nanoseconds', 1690129406888123000, 1690129406888123],
    ['1 second after the epoch', 1, 1000000],
  ])('_timestamp in %s', (_unit, value, micros) => {
    expect(timeOf({ _timestamp: value })).toBe(micros);
  });

  it('reads @timestamp the same way', () => {
    expect(timeOf({ '@timestamp': 1690129406888 })).toBe(1690129406888000);
  });

  it('prefers _timestamp when both are sent, in either order', () => {
    expect(timeOf({ '@timestamp': 1690129406, _timestamp: 1690129406888 })).toBe(1690129406888000);
    expect(timeOf({ _timestamp: 1690129406888, '@timestamp': 1690129406 })).toBe(1690129406888000);
  });

  it('uses the reception time when the timestamp is missing, null or 0', () => {
    expect(timeOf({})).toBe(RECEIVED_AT_US);
    expect(timeOf({ _timestamp: null })).toBe(RECEIVED_AT_US);
    expect(timeOf({ _timestamp: 0 })).toBe(RECEIVED_AT_US);
    expect(timeOf({ '@timestamp': 0 })).toBe(RECEIVED_AT_US);
    expect(timeOf({ '@timestamp': null })).toBe(RECEIVED_AT_US);
  });

  it('lets a present _timestamp win even when it is null (so the reception time is used)', () => {
    expect(timeOf({ _timestamp: null, '@timestamp': 1690129406888 })).toBe(RECEIVED_AT_US);
  });

  it('does not make the timestamp a label', () => {
    const result = run([{ __name__: 'm', __type__: 'gauge', value: 1, _timestamp: 1, '@timestamp': 2 }]);
    expect(result.samples[0]?.tags).toEqual([]);
  });
});
