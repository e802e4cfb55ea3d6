import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import type { BodyFormat } from './content-type.js';
import { processBetterStackPayload } from './process-payload.js';

const RECEIVED_US = 1_700_000_000_000_000;
const ctx = {
  receivedAtUs: RECEIVED_US,
  window: { maxAgeUs: 15 * 60 * 1_000_000, maxFutureUs: 3600 * 1_000_000 },
};
const text = (s: string) => Buffer.from(s, 'utf8');

describe('processBetterStackPayload', () => {
  it('accepts the valid records of a batch and reports each invalid one by its index', () => {
    const records = [
      { name: 'a', gauge: { value: 1 } },
      { name: '', gauge: { value: 1 } },
      { name: 'h', histogram: { count: 1, sum: 2, buckets: [{ upper_limit: '+Inf', count: 1 }] } },
      7,
      { name: 'old', gauge: { value: 1 }, dt: 1 },
    ];
    const result = processBetterStackPayload(text(JSON.stringify(records)), 'json', ctx);
    expect(result).toEqual({
      ok: true,
      records: 5,
      accepted: 2,
      samples: [
        { name: 'a', type: 'gauge', tags: [], timestampUs: RECEIVED_US, value: 1, dtRaw: '' },
        {
          name: 'h',
          type: 'histogram',
          tags: [['upper_limit', '+Inf']],
          timestampUs: RECEIVED_US,
          value: 1,
          dtRaw: '',
        },
        { name: 'h_sum', type: 'histogram', tags: [], timestampUs: RECEIVED_US, value: 2, dtRaw: '' },
        { name: 'h_count', type: 'histogram', tags: [], timestampUs: RECEIVED_US, value: 1, dtRaw: '' },
      ],
      rejected: [
        { index: 1, reason: 'name is required and must be a non-empty string', record: records[1] },
        { index: 3, reason: 'record must be an object (found: number)', record: 7 },
        {
          index: 4,
          reason: 'timestamp 1970-01-01T00:00:01.000Z is more than 15 min in the past',
          record: records[4],
        },
      ],
    });
  });

  it('NDJSON indexes count records, not lines', () => {
    const body =
      '\n{"name":"a","gauge":{"value":1}}\n\n{"name":"b"}\r\n\r\n{"name":"c","gauge":{"value":1}}\n';
    const result = processBetterStackPayload(text(body), 'ndjson', ctx);
    expect(result).toMatchObject({
      ok: true,
      records: 3,
      accepted: 2,
      rejected: [
        { index: 1, reason: 'exactly one of gauge, counter, histogram, summary is required (found: none)' },
      ],
    });
  });

  it('all records invalid is still ok:true with accepted 0 (the receiver answers 406 with the reasons)', () => {
    const result = processBetterStackPayload(text('[{"name":"a"},{"gauge":{"value":1}}]'), 'json', ctx);
    expect(result).toMatchObject({ ok: true, accepted: 0, records: 2, samples: [] });
    expect(result.ok && result.rejected.map((r) => r.index)).toEqual([0, 1]);
  });

  it.each<[BodyFormat, Buffer]>([
    ['json', text('[]')],
    ['json', text('')],
    ['ndjson', text('\n\r\n')],
    ['msgpack', Buffer.from(encode([]))],
    ['msgpack', Buffer.alloc(0)],
  ])('%s body without records: "no records in body"', (format, body) => {
    expect(processBetterStackPayload(body, format, ctx)).toEqual({ ok: false, error: 'no records in body' });
  });

  it.each<[BodyFormat, Buffer, RegExp]>([
    ['json', text('{"name":"a"'), /^invalid JSON: /],
    ['json', text('42'), /^expected an object or an array of objects, found number$/],
    ['ndjson', text('{"name":"a"}\n{oops}'), /^invalid JSON at line 2: /],
    ['msgpack', Buffer.from([0xc1]), /^invalid MessagePack: Unrecognized type byte: 0xc1$/],
  ])('%s: a body that cannot be decoded is an error', (format, body, message) => {
    const result = processBetterStackPayload(body, format, ctx);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(message);
  });

  it('gives the same result for the same input (receiver and normalizer agree)', () => {
    const body = text(
      '[{"name":"a","gauge":{"value":1},"dt":"bad"},{"name":"b","counter":{"value":2},"tags":{"x":1}},{"name":5}]',
    );
    expect(processBetterStackPayload(body, 'json', ctx)).toEqual(
      processBetterStackPayload(body, 'json', ctx),
    );
  });

  it('the same batch gives the same samples in all three formats', () => {
    const records = [
      { name: 'a', gauge: { value: 0.25 }, tags: { host: 'h', n: 3 }, dt: '2023-11-14T22:13:00.5Z' },
      {
        name: 'h',
        histogram: { count: 5, sum: 1.5, buckets: [{ upper_limit: 0.5, count: 5 }] },
        dt: 1699999999,
      },
      { name: 's', summary: { count: 2, sum: 4, quantiles: [{ quantile: 0.5, value: 2 }] } },
    ];
    const json = processBetterStackPayload(text(JSON.stringify(records)), 'json', ctx);
    const ndjson = processBetterStackPayload(
      text(records.map((r) => JSON.stringify(r)).join('\n')),
      'ndjson',
      ctx,
    );
    const msgpack = processBetterStackPayload(Buffer.from(encode(records)), 'msgpack', ctx);
    expect(json.ok && json.samples).toHaveLength(7);
    expect(ndjson).toEqual(json);
    expect(msgpack).toEqual(json);
  });

  it('handles a large batch', () => {
    const records = Array.from({ length: 50_000 }, (_, i) => ({
      name: `m${i % 10}`,
      gauge: { value: i },
      tags: { i },
    }));
    const result = processBetterStackPayload(text(JSON.stringify(records)), 'json', ctx);
    expect(result).toMatchObject({ ok: true, accepted: 50_000, records: 50_000 });
    expect(result.ok && result.samples[49_999]).toMatchObject({
      name: 'm9',
      value: 49_999,
      tags: [['i', '49999']],
    });
  });
});
