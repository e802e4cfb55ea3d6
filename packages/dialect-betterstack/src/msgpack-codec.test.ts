import {
  EXT_TIMESTAMP,
  ExtData,
  encode,
  encodeDateToTimeSpec,
  encodeTimeSpecToTimestamp,
  encodeTimestampExtension,
} from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { decodeMsgpack, decodeTimestampExtension, MsgpackTimestamp } from './msgpack-codec.js';
import { processBetterStackPayload } from './process-payload.js';

const RECEIVED_US = 1_700_000_000_000_000;
const off = { receivedAtUs: RECEIVED_US, window: { maxAgeUs: 0, maxFutureUs: 0 } };

function timestamp96(seconds: bigint, nanoseconds: number): Uint8Array {
  const bytes = new Uint8Array(12);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, nanoseconds);
  view.setBigInt64(4, seconds);
  return bytes;
}

function timestamp64(seconds: number, nanoseconds: number): Uint8Array {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, nanoseconds * 4 + Math.floor(seconds / 2 ** 32));
  view.setUint32(4, seconds % 2 ** 32);
  return bytes;
}

/** Sends one gauge whose dt is the given timestamp extension payload; returns its only sample. */
function sendWithDt(extPayload: Uint8Array) {
  const body = encode({ name: 'm', gauge: { value: 1 }, dt: new ExtData(EXT_TIMESTAMP, extPayload) });
  const result = processBetterStackPayload(Buffer.from(body), 'msgpack', off);
  if (!result.ok) throw new Error(result.error);
  expect(result.samples).toHaveLength(1);
  return result.samples[0]!;
}

describe('MessagePack timestamp extension', () => {
  it('32-bit: whole seconds', () => {
    const payload = encodeTimeSpecToTimestamp({ sec: 1672490759, nsec: 0 });
    expect(payload).toHaveLength(4);
    expect(sendWithDt(payload)).toMatchObject({ timestampUs: 1672490759_000000, dtRaw: '' });
  });

  it('64-bit: keeps the microseconds a JS Date would lose', () => {
    const payload = encodeTimeSpecToTimestamp({ sec: 1672490759, nsec: 123_456_789 });
    expect(payload).toHaveLength(8);
    expect(payload).toEqual(timestamp64(1672490759, 123_456_789));
    expect(sendWithDt(payload).timestampUs).toBe(1672490759_123456);
    // What the library's default codec would have produced: only milliseconds.
    expect(new Date(1672490759 * 1000 + 123_456_789 / 1e6).getTime() * 1000).toBe(1672490759_123000);
  });

  it('64-bit: seconds above 32 bits use the two high bits', () => {
    const seconds = 2 ** 32 + 7; // 2106-02-07
    expect(sendWithDt(timestamp64(seconds, 5_000)).timestampUs).toBe(seconds * 1_000_000 + 5);
  });

  it('96-bit: signed 64-bit seconds and 32-bit nanoseconds, truncated to µs', () => {
    expect(sendWithDt(timestamp96(1672490759n, 123_456_999)).timestampUs).toBe(1672490759_123456);
    expect(sendWithDt(timestamp96(0n, 999)).timestampUs).toBe(0);
  });

  it('the library encoding of a Date round-trips to the millisecond', () => {
    const date = new Date('2023-11-14T22:13:19.987Z');
    expect(encodeDateToTimeSpec(date)).toEqual({ sec: 1700000000 - 1, nsec: 987_000_000 });
    expect(sendWithDt(encodeTimestampExtension(date)!).timestampUs).toBe(1699999999_987000);
    const viaEncoder = encode({ name: 'm', gauge: { value: 1 }, dt: date });
    const result = processBetterStackPayload(Buffer.from(viaEncoder), 'msgpack', off);
    expect(result.ok && result.samples[0]?.timestampUs).toBe(1699999999_987000);
  });

  it.each<[string, Uint8Array, string]>([
    [
      'nanoseconds above 999999999 (64-bit)',
      timestamp64(1672490759, 1_000_000_000),
      '{"sec":1672490759,"nsec":1000000000}',
    ],
    ['nanoseconds above 999999999 (96-bit)', timestamp96(1n, 4_000_000_000), '{"sec":1,"nsec":4000000000}'],
    ['before 1970', timestamp96(-1n, 0), '{"sec":-1,"nsec":0}'],
    ['beyond 2^53 µs', timestamp96(2n ** 40n, 0), '{"sec":1099511627776,"nsec":0}'],
    ['beyond 2^53 µs within 34 bits', timestamp64(2 ** 34 - 1, 0), '{"sec":17179869183,"nsec":0}'],
    ['a size the spec does not define', Uint8Array.of(1, 2, 3, 4, 5), '{"ext":-1,"data":"0102030405"}'],
  ])('%s: record kept at reception time, value saved as dt_raw', (_label, payload, raw) => {
    expect(sendWithDt(payload)).toMatchObject({ timestampUs: RECEIVED_US, dtRaw: raw });
  });

  it('decodes a view into a larger buffer at its own offset', () => {
    const big = new Uint8Array(20);
    big.set(timestamp96(1672490759n, 1_000), 5);
    expect(decodeTimestampExtension(big.subarray(5, 17))).toEqual(
      new MsgpackTimestamp(1672490759_000001, ''),
    );
  });
});

describe('decodeMsgpack', () => {
  it('keeps 64-bit integers exact as bigint', () => {
    const decoded = decodeMsgpack(encode({ dt: 1672490759123456789n }, { useBigInt64: true }));
    expect(decoded).toEqual({ ok: true, value: { dt: 1672490759123456789n } });
  });

  it('leaves other extension types as ExtData', () => {
    const decoded = decodeMsgpack(encode(new ExtData(7, Uint8Array.of(1))));
    expect(decoded.ok && decoded.value).toBeInstanceOf(ExtData);
  });

  it('refuses a map with a __proto__ key instead of replacing a prototype', () => {
    // fixmap(1) { "__proto__": { "polluted": true } }
    const body = Buffer.concat([
      Buffer.from([0x81, 0xa9]),
      Buffer.from('__proto__'),
      Buffer.from([0x81, 0xa8]),
      Buffer.from('polluted'),
      Buffer.from([0xc3]),
    ]);
    expect(decodeMsgpack(body)).toEqual({
      ok: false,
      error: 'invalid MessagePack: The key __proto__ is not allowed',
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('stops at a forged array length instead of allocating it', () => {
    // array32 claiming 2^32-1 elements in a 5-byte body
    const decoded = decodeMsgpack(Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff));
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.error).toMatch(/^invalid MessagePack: Max length exceeded: array length/);
  });

  it.each<[string, Uint8Array, RegExp]>([
    ['truncated after a key', Uint8Array.of(0x82, 0xa1, 0x61), /^invalid MessagePack: Insufficient data$/],
    ['truncated inside a float', Uint8Array.of(0xcb, 0x40), /^invalid MessagePack: Insufficient data$/],
    ['a string longer than the body', Uint8Array.of(0x82, 0xa4), /^invalid MessagePack: Max length exceeded/],
    [
      'extra bytes after the value',
      Uint8Array.of(0x80, 0x80),
      /^invalid MessagePack: Extra 1 of 2 byte\(s\)/,
    ],
    ['a reserved type byte', Uint8Array.of(0xc1), /^invalid MessagePack: Unrecognized type byte: 0xc1/],
    [
      'a map key that is a map',
      Uint8Array.of(0x81, 0x80, 0x01),
      /^invalid MessagePack: The type of key must be/,
    ],
  ])('%s is an error, not a throw', (_label, body, message) => {
    const decoded = decodeMsgpack(body);
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.error).toMatch(message);
  });
});
