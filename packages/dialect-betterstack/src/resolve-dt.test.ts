import { describe, expect, it } from 'vitest';
import { MsgpackTimestamp } from './msgpack-codec.js';
import { resolveDt } from './resolve-dt.js';

const RECEIVED_US = 1_700_000_000_000_000;

describe('resolveDt', () => {
  it.each<[string, unknown, number]>([
    ['seconds', 1672490759, 1672490759_000000],
    ['fractional seconds', 1672490759.5, 1672490759_500000],
    ['milliseconds', 1672490759123, 1672490759123_000],
    ['microseconds', 1672490759123456, 1672490759123456],
    ['nanoseconds as a float', 1672490759123456000, 1672490759123456],
    ['nanoseconds as bigint (MessagePack uint64), truncated', 1672490759123456789n, 1672490759123456],
    ['a digit string of seconds', '1672490759', 1672490759_000000],
    ['a digit string of nanoseconds, exact beyond 2^53', '1672490759123456789', 1672490759123456],
    ['a digit string with leading zeros', '0001672490759', 1672490759_000000],
    ['zero', 0, 0],
    ['RFC 3339', '2022-12-31T13:45:59.123456Z', 1672494359123456],
    ['ISO with space and offset', '2022-12-31 13:45:59.123456+02:00', 1672487159123456],
    ['a decoded MessagePack timestamp', new MsgpackTimestamp(1672490759_000001, ''), 1672490759_000001],
  ])('%s', (_label, dt, micros) => {
    expect(resolveDt(dt, RECEIVED_US)).toEqual({ timestampUs: micros, dtRaw: '' });
  });

  it.each([undefined, null])('%s means reception time', (dt) => {
    expect(resolveDt(dt, RECEIVED_US)).toEqual({ timestampUs: RECEIVED_US, dtRaw: '' });
  });

  it.each<[string, unknown, string]>([
    ['a word', 'yesterday', 'yesterday'],
    ['a decimal string', '1672490759.5', '1672490759.5'],
    ['a padded digit string', ' 1672490759', ' 1672490759'],
    ['a negative digit string', '-1672490759', '-1672490759'],
    ['an impossible date', '2022-02-30T00:00:00Z', '2022-02-30T00:00:00Z'],
    ['a date before 1970', '1969-12-31T23:59:59Z', '1969-12-31T23:59:59Z'],
    ['digits beyond 2^53 µs even as ns', '99999999999999999999', '99999999999999999999'],
    ['a negative number', -1, '-1'],
    ['NaN (MessagePack float)', Number.NaN, 'NaN'],
    ['Infinity (MessagePack float)', Number.POSITIVE_INFINITY, 'Infinity'],
    ['a negative bigint', -5n, '-5'],
    ['a boolean', true, 'true'],
    ['an object', { at: 'noon' }, '{"at":"noon"}'],
    ['an array', [1, 2], '[1,2]'],
    ['an object holding a bigint', { ns: 12n }, '{"ns":"12"}'],
    ['binary', Uint8Array.of(1), '{"0":1}'],
    [
      'an unusable MessagePack timestamp',
      new MsgpackTimestamp(undefined, '{"sec":-1,"nsec":0}'),
      '{"sec":-1,"nsec":0}',
    ],
  ])('unparsable %s: reception time, text kept', (_label, dt, raw) => {
    expect(resolveDt(dt, RECEIVED_US)).toEqual({ timestampUs: RECEIVED_US, dtRaw: raw });
  });

  it('does not spend time converting a huge digit string', () => {
    const huge = '7'.repeat(5_000_000);
    const started = performance.now();
    expect(resolveDt(huge, RECEIVED_US)).toEqual({ timestampUs: RECEIVED_US, dtRaw: huge });
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('survives a dt nested deeper than the stack', () => {
    let deep: unknown[] = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(resolveDt(deep, RECEIVED_US)).toEqual({
      timestampUs: RECEIVED_US,
      dtRaw: '[dt nested too deeply to keep]',
    });
  });
});
