import { describe, expect, it } from 'vitest';
import { type RawPayload, rawPayloadMessage, readRawPayload } from './raw-payload.js';

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
