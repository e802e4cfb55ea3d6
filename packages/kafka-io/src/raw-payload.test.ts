import { describe, expect, it } from 'vitest';
import { type RawPayload, rawPayloadMessage, rawPayloadSize, readRawPayload } from './raw-payload.js';

const payload: RawPayload = {
  dialect: 'openobserve',
  org: 'acme',
  source: 'u@example.com',
  format: 'json',
  receivedAtUs: 1_700_000_000_123_456,
  requestId: 'req-1',
  maxAgeUs: 900_000_000,
  maxFutureUs: 3_600_000_000,
  maxFieldsPerRecord: 200,
  body: Buffer.from('[]'),
};

const asReceived = (m: ReturnType<typeof rawPayloadMessage>) => ({
  value: Buffer.isBuffer(m.value) ? m.value : Buffer.from(m.value),
  headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, Buffer.from(v)])),
});

describe('raw payload messages', () => {
  it('round-trip through Kafka headers', () => {
    expect(readRawPayload(asReceived(rawPayloadMessage(payload)))).toEqual({ ok: true, payload });
  });

  it('carry the body LZ4-compressed, its size first, and read bodies written before compression', () => {
    const body = Buffer.from(JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ name: 'cpu', i }))));
    const message = asReceived(rawPayloadMessage({ ...payload, body }));
    expect(message.headers.encoding?.toString()).toBe('lz4');
    expect(message.value.length).toBeLessThan(body.length / 4);
    expect(message.value.readUInt32LE(0)).toBe(body.length);
    expect(readRawPayload(message)).toEqual({ ok: true, payload: { ...payload, body } });
    const { encoding: _, ...older } = message.headers;
    expect(readRawPayload({ value: body, headers: older })).toEqual({
      ok: true,
      payload: { ...payload, body },
    });
  });

  it.each([
    ['a truncated body', (v: Buffer) => v.subarray(0, v.length - 5), /LZ4 body/],
    [
      'a size prefix of 3 GiB',
      (v: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, 0xc0]), v.subarray(4)]),
      /claims 3221225472 bytes/,
    ],
    ['no size prefix', () => Buffer.from([1, 2]), /shorter than its size prefix/],
    [
      'a wrong size prefix',
      (v: Buffer) => Buffer.concat([Buffer.from([1, 0, 0, 0]), v.subarray(4)]),
      /LZ4 body/,
    ],
  ])('name what is wrong with %s', (_, damage, error) => {
    const message = asReceived(
      rawPayloadMessage({ ...payload, body: Buffer.from('[{"name":"x"}]'.repeat(50)) }),
    );
    const result = readRawPayload({ ...message, value: damage(message.value) });
    expect(result).toEqual({ ok: false, error: expect.stringMatching(error) });
  });

  it('tell the size a body inflates to without inflating it', () => {
    const body = Buffer.from('[{"name":"x"}]'.repeat(100));
    const message = asReceived(rawPayloadMessage({ ...payload, body }));
    expect(rawPayloadSize(message)).toBe(body.length);
    expect(rawPayloadSize({ value: body })).toBe(body.length);
    expect(rawPayloadSize({ value: null })).toBe(0);
  });

  it('refuses an encoding it does not know', () => {
    const message = asReceived(rawPayloadMessage(payload));
    message.headers.encoding = Buffer.from('zstd');
    expect(readRawPayload(message)).toEqual({ ok: false, error: 'header encoding is "zstd", not lz4' });
  });

  it('key OpenObserve payloads by org and spread Better Stack ones', () => {
    expect(rawPayloadMessage(payload).key).toBe('acme');
    expect(rawPayloadMessage({ ...payload, dialect: 'betterstack' }).key).toBeNull();
  });

  it.each([
    [{ dialect: 'graphite' }, /header dialect is "graphite"/],
    [{ org: undefined }, /header org is missing/],
    [{ 'received-at-us': 'soon' }, /header received-at-us is missing or not an integer/],
  ])('names what is wrong with a poison message (%j)', (override, error) => {
    const message = asReceived(rawPayloadMessage(payload));
    for (const [k, v] of Object.entries(override)) {
      if (v === undefined) delete message.headers[k];
      else message.headers[k] = Buffer.from(v);
    }
    const result = readRawPayload(message);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  });
});
