// Better Stack's POST /metrics through the receiver's HTTP app (CONTRACT.md §1): every refusal
// with its exact status and text, and what reaches the publisher. The publisher records or refuses;
// what Kafka does with a message is the integration tests' business.
import { Readable } from 'node:stream';
import { createDeflate, createGzip, deflateSync, gzipSync } from 'node:zlib';
import { encode } from '@msgpack/msgpack';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Registry } from 'prom-client';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  bearer,
  HoldingPublisher,
  ORG,
  RecordingPublisher,
  refusingPublisher,
  SOURCE,
  TOKEN,
  testApp,
} from './route-test-support.js';

const JSON_CT = { 'content-type': 'application/json' };
const ACCEPTED = 'application/json, application/x-ndjson, application/msgpack';
const PARSE = "Couldn't parse JSON content.";
const VALID = '{"name":"ok_metric","gauge":{"value":1}}';
const MiB = 1024 * 1024;

/** V8's own message for a JSON text, so the expected answer does not depend on the Node version. */
function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${text} is valid JSON`);
}

const post = (options: Omit<InjectOptions, 'method' | 'url'>): InjectOptions => ({
  method: 'POST',
  url: '/metrics',
  ...options,
});

async function recordCounts(registry: Registry) {
  const metric = registry.getSingleMetric('receiver_records_total');
  const values = (await metric!.get()).values;
  const of = (outcome: string) =>
    values.find((v) => v.labels.dialect === 'betterstack' && v.labels.outcome === outcome)?.value ?? 0;
  return { accepted: of('accepted'), rejected: of('rejected') };
}

interface Refusal {
  readonly name: string;
  readonly env?: Record<string, string>;
  readonly request: Omit<InjectOptions, 'method' | 'url'>;
  readonly status: number;
  readonly body: string;
}

const bigJsonArray = (bytes: number) => {
  const records: string[] = [];
  let size = 2;
  while (size < bytes) {
    records.push(VALID);
    size += VALID.length + 1;
  }
  return `[${records.join(',')}]`;
};

const refusals: Refusal[] = [
  // 403: checked before the body is read
  {
    name: 'no Authorization header',
    request: { headers: JSON_CT, payload: VALID },
    status: 403,
    body: 'Unauthorized',
  },
  {
    name: 'Basic scheme with the token as credentials',
    request: {
      headers: { ...JSON_CT, authorization: `Basic ${Buffer.from(`${TOKEN}:`).toString('base64')}` },
      payload: VALID,
    },
    status: 403,
    body: 'Unauthorized',
  },
  {
    name: 'the bare token without a scheme',
    request: { headers: { ...JSON_CT, authorization: TOKEN }, payload: VALID },
    status: 403,
    body: 'Unauthorized',
  },
  {
    name: 'Bearer with an unknown token',
    request: { headers: { ...JSON_CT, ...bearer('not-a-token') }, payload: VALID },
    status: 403,
    body: 'Unauthorized',
  },
  {
    name: 'Bearer with an empty token',
    request: { headers: { ...JSON_CT, authorization: 'Bearer ' }, payload: VALID },
    status: 403,
    body: 'Unauthorized',
  },
  {
    name: 'an unknown token even when the content type is wrong too (auth first)',
    request: { headers: { 'content-type': 'text/plain', ...bearer('nope') }, payload: VALID },
    status: 403,
    body: 'Unauthorized',
  },
  // 415: checked before the body is read
  {
    name: 'text/plain',
    request: { headers: { ...bearer(), 'content-type': 'text/plain' }, payload: VALID },
    status: 415,
    body: `unsupported Content-Type "text/plain"; use one of ${ACCEPTED}`,
  },
  {
    name: 'curl -d without -H (form-urlencoded)',
    request: {
      headers: { ...bearer(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: VALID,
    },
    status: 415,
    body: `unsupported Content-Type "application/x-www-form-urlencoded"; use one of ${ACCEPTED}`,
  },
  {
    name: 'no Content-Type',
    request: { headers: bearer(), payload: Buffer.from(VALID) },
    status: 415,
    body: `Content-Type is missing; use one of ${ACCEPTED}`,
  },
  {
    name: 'a Content-Type that only starts like an accepted one',
    request: { headers: { ...bearer(), 'content-type': 'application/jsonx' }, payload: VALID },
    status: 415,
    body: `unsupported Content-Type "application/jsonx"; use one of ${ACCEPTED}`,
  },
  {
    name: 'Content-Encoding br',
    request: { headers: { ...bearer(), ...JSON_CT, 'content-encoding': 'br' }, payload: VALID },
    status: 415,
    body: 'unsupported Content-Encoding "br" (gzip, deflate)',
  },
  // 406: the body cannot be read, or holds no record
  {
    name: 'invalid JSON',
    request: { headers: { ...bearer(), ...JSON_CT }, payload: '{"name":"a",' },
    status: 406,
    body: `${PARSE} invalid JSON: ${jsonError('{"name":"a",')}`,
  },
  {
    name: 'JSON that is neither an object nor an array',
    request: { headers: { ...bearer(), ...JSON_CT }, payload: '42' },
    status: 406,
    body: `${PARSE} expected an object or an array of objects, found number`,
  },
  {
    name: 'an invalid NDJSON line',
    request: {
      headers: { ...bearer(), 'content-type': 'application/x-ndjson' },
      payload: `${VALID}\n{"name":oops}\n${VALID}`,
    },
    status: 406,
    body: `${PARSE} invalid JSON at line 2: ${jsonError('{"name":oops}')}`,
  },
  {
    name: 'invalid MessagePack (a reserved type byte)',
    request: {
      headers: { ...bearer(), 'content-type': 'application/msgpack' },
      payload: Buffer.from([0xc1]),
    },
    status: 406,
    body: `${PARSE} invalid MessagePack: Unrecognized type byte: 0xc1`,
  },
  {
    name: 'truncated MessagePack',
    request: {
      headers: { ...bearer(), 'content-type': 'application/msgpack' },
      payload: Buffer.from(encode({ name: 'a', gauge: { value: 1 } })).subarray(0, 8),
    },
    status: 406,
    body: `${PARSE} invalid MessagePack: Insufficient data`,
  },
  {
    name: 'MessagePack holding a string',
    request: {
      headers: { ...bearer(), 'content-type': 'application/msgpack' },
      payload: Buffer.from(encode('x')),
    },
    status: 406,
    body: `${PARSE} expected an object or an array of objects, found string`,
  },
  {
    name: 'an empty JSON array',
    request: { headers: { ...bearer(), ...JSON_CT }, payload: '[]' },
    status: 406,
    body: `${PARSE} no records in body`,
  },
  {
    name: 'an empty MessagePack array',
    request: {
      headers: { ...bearer(), 'content-type': 'application/msgpack' },
      payload: Buffer.from([0x90]),
    },
    status: 406,
    body: `${PARSE} no records in body`,
  },
  {
    name: 'an empty body',
    request: { headers: { ...bearer(), ...JSON_CT }, payload: '' },
    status: 406,
    body: `${PARSE} no records in body`,
  },
  {
    name: 'blank NDJSON',
    request: { headers: { ...bearer(), 'content-type': 'application/x-ndjson' }, payload: '\n\r\n  \n' },
    status: 406,
    body: `${PARSE} no records in body`,
  },
  {
    name: 'Content-Encoding gzip on a body that is not gzip',
    request: { headers: { ...bearer(), ...JSON_CT, 'content-encoding': 'gzip' }, payload: VALID },
    status: 406,
    body: `${PARSE} incorrect header check`,
  },
  // 413: over MAX_BODY_BYTES, whether Content-Length says so or the stream does
  {
    name: 'a body over MAX_BODY_BYTES',
    env: { MAX_BODY_BYTES: '4096' },
    request: { headers: { ...bearer(), ...JSON_CT }, payload: bigJsonArray(4097) },
    status: 413,
    body: 'payload reached size limit',
  },
  {
    name: 'a streamed body (no Content-Length) over MAX_BODY_BYTES',
    env: { MAX_BODY_BYTES: '4096' },
    request: {
      headers: { ...bearer(), ...JSON_CT },
      payload: Readable.from([Buffer.from(bigJsonArray(3000)), Buffer.from(bigJsonArray(3000))]),
    },
    status: 413,
    body: 'payload reached size limit',
  },
  {
    name: 'a gzip body over MAX_BODY_BYTES once inflated',
    env: { MAX_BODY_BYTES: '4096' },
    request: {
      headers: { ...bearer(), ...JSON_CT, 'content-encoding': 'gzip' },
      payload: gzipSync(bigJsonArray(4097)),
    },
    status: 413,
    body: 'payload reached size limit',
  },
  {
    name: 'a deflate body over MAX_BODY_BYTES once inflated',
    env: { MAX_BODY_BYTES: '4096' },
    request: {
      headers: { ...bearer(), ...JSON_CT, 'content-encoding': 'deflate' },
      payload: deflateSync(bigJsonArray(4097)),
    },
    status: 413,
    body: 'payload reached size limit',
  },
];

describe('POST /metrics refusals', () => {
  it.each(refusals.map((r) => [r.name, r] as const))('%s', async (_name, refusal) => {
    const { app, publisher, registry } = testApp(refusal.env);
    const response = await app.inject(post(refusal.request));
    expect({ status: response.statusCode, body: response.body }).toEqual({
      status: refusal.status,
      body: refusal.body,
    });
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(publisher.published).toEqual([]);
    expect(await recordCounts(registry)).toEqual({ accepted: 0, rejected: 0 });
    await app.close();
  });

  it('accepts a body exactly at MAX_BODY_BYTES, raw and inflated', async () => {
    const { app, publisher } = testApp({ MAX_BODY_BYTES: '4096' });
    const exact = bigJsonArray(3900);
    const body = exact + ' '.repeat(4096 - exact.length);
    const raw = await app.inject(post({ headers: { ...bearer(), ...JSON_CT }, payload: body }));
    expect(raw.statusCode).toBe(202);
    const gzip = await app.inject(
      post({ headers: { ...bearer(), ...JSON_CT, 'content-encoding': 'gzip' }, payload: gzipSync(body) }),
    );
    expect(gzip.statusCode).toBe(202);
    expect(publisher.published.map((p) => p.body.length)).toEqual([4096, 4096]);
    await app.close();
  });
});

describe('POST /metrics with no valid record', () => {
  it('answers 406 with every reason and publishes the body once, for the normalizer to dead-letter', async () => {
    const { app, publisher, registry } = testApp();
    const payload = JSON.stringify([
      { name: 'a' },
      { gauge: { value: 1 } },
      { name: 'old', gauge: { value: 1 }, dt: 1672490759 },
      { name: 'c', counter: { value: 'NaN' } },
      7,
    ]);
    const response = await app.inject(post({ headers: { ...bearer(), ...JSON_CT }, payload }));
    expect(response.statusCode).toBe(406);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toBe(
      `${PARSE} No valid record: ` +
        'record 0: exactly one of gauge, counter, histogram, summary is required (found: none); ' +
        'record 1: name is required and must be a non-empty string; ' +
        'record 2: timestamp 2022-12-31T12:45:59.000Z is more than 15 min in the past; ' +
        'record 3: counter.value must be a finite number; ' +
        'record 4: record must be an object (found: number)',
    );
    expect(publisher.published).toHaveLength(1);
    expect(publisher.published[0]!.topic).toBe('unit.metrics.raw');
    expect(publisher.published[0]!.body.toString()).toBe(payload);
    expect(await recordCounts(registry)).toEqual({ accepted: 0, rejected: 5 });
    await app.close();
  });

  it('answers 503 when the dead-lettering publish is refused, counting nothing', async () => {
    const { app, registry } = testApp({}, refusingPublisher(9));
    const response = await app.inject(
      post({ headers: { ...bearer(), ...JSON_CT }, payload: '{"name":"only_invalid"}' }),
    );
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('9');
    expect(await recordCounts(registry)).toEqual({ accepted: 0, rejected: 0 });
    await app.close();
  });
});

/** `bytes` zeros, gzip- or deflate-compressed as a stream (about 1 KiB per MiB), without holding them. */
async function compressedZeros(bytes: number, make = () => createGzip({ level: 9 })): Promise<Buffer> {
  const compressor = make();
  const chunks: Buffer[] = [];
  compressor.on('data', (chunk: Buffer) => chunks.push(chunk));
  const zeros = Buffer.alloc(MiB);
  for (let written = 0; written < bytes; written += MiB) {
    if (!compressor.write(zeros)) await new Promise((resolve) => compressor.once('drain', resolve));
  }
  await new Promise((resolve) => compressor.end(resolve));
  return Buffer.concat(chunks);
}

/** Runs `work` while sampling the process's Buffer memory; resolves to its result and the peak growth. */
async function peakBufferGrowth<T>(work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  const base = process.memoryUsage().arrayBuffers;
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
  };
  const timer = setInterval(sample, 2);
  try {
    const result = await work();
    sample();
    return { result, peak };
  } finally {
    clearInterval(timer);
  }
}

describe('POST /metrics with a compression bomb', () => {
  let gzipBomb: Buffer;
  let deflateBomb: Buffer;
  beforeAll(async () => {
    gzipBomb = await compressedZeros(200 * MiB);
    deflateBomb = await compressedZeros(200 * MiB, () => createDeflate({ level: 9 }));
  });

  it('is built as intended: 200 MiB inflated from a few hundred KiB', () => {
    expect(gzipBomb.length).toBeLessThan(300 * 1024);
    expect(deflateBomb.length).toBeLessThan(300 * 1024);
  });

  it.each([
    'gzip',
    'deflate',
  ] as const)('%s: answers 413 at the default 20 MiB limit with bounded memory', async (encoding) => {
    const bomb = encoding === 'gzip' ? gzipBomb : deflateBomb;
    const { app, publisher } = testApp();
    const { result, peak } = await peakBufferGrowth(() =>
      app.inject(post({ headers: { ...bearer(), ...JSON_CT, 'content-encoding': encoding }, payload: bomb })),
    );
    expect(result.statusCode).toBe(413);
    expect(result.body).toBe('payload reached size limit');
    // Buffering the bomb would take 200 MiB; the limit allows 20 MiB to be held before refusing.
    expect(peak).toBeLessThan(64 * MiB);
    expect(publisher.published).toEqual([]);
    await app.close();
  });

  it('a truncated bomb (zlib fails after the 413) neither crashes the process nor changes the answer', async () => {
    const { app } = testApp();
    const uncaught = vi.fn();
    process.on('uncaughtException', uncaught);
    try {
      const response = await app.inject(
        post({
          headers: { ...bearer(), ...JSON_CT, 'content-encoding': 'gzip' },
          payload: gzipBomb.subarray(0, gzipBomb.length - 64),
        }),
      );
      expect(response.statusCode).toBe(413);
      // The receiver keeps answering.
      const next = await app.inject(post({ headers: { ...bearer(), ...JSON_CT }, payload: VALID }));
      expect(next.statusCode).toBe(202);
    } finally {
      await app.close();
      process.off('uncaughtException', uncaught);
    }
    expect(uncaught).not.toHaveBeenCalled();
  });
});

describe('POST /metrics rate limit', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** The limiter's clock frozen 10 s into a minute, so no window ends during the test. */
  const frozenClock = () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-01T12:00:10.000Z'));
  };

  const send = (app: FastifyInstance, remoteAddress: string, headers = {}) =>
    app.inject(post({ headers: { ...bearer(), ...JSON_CT, ...headers }, payload: VALID, remoteAddress }));

  it('answers 429 with Retry-After after RATE_LIMIT_PER_MINUTE requests from one IP, before auth', async () => {
    frozenClock();
    const { app, publisher } = testApp({ RATE_LIMIT_PER_MINUTE: '3' });
    for (let i = 0; i < 2; i++) expect((await send(app, '192.0.2.1')).statusCode).toBe(202);
    // A refused request counts too: guessing tokens costs requests.
    const unauthorized = await app.inject(
      post({ headers: { ...JSON_CT, ...bearer('guess') }, payload: VALID, remoteAddress: '192.0.2.1' }),
    );
    expect(unauthorized.statusCode).toBe(403);
    const limited = await send(app, '192.0.2.1');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('50');
    expect(limited.body).toBe('more than 3 requests per minute from 192.0.2.1');
    expect(publisher.published).toHaveLength(2);
    // Another client is not affected.
    expect((await send(app, '192.0.2.2')).statusCode).toBe(202);
    expect(publisher.published).toHaveLength(3);
    await app.close();
  });

  it('starts counting again in the next minute', async () => {
    frozenClock();
    const { app } = testApp({ RATE_LIMIT_PER_MINUTE: '1' });
    expect((await send(app, '192.0.2.1')).statusCode).toBe(202);
    expect((await send(app, '192.0.2.1')).statusCode).toBe(429);
    vi.setSystemTime(new Date('2026-03-01T12:01:00.000Z'));
    expect((await send(app, '192.0.2.1')).statusCode).toBe(202);
    await app.close();
  });

  it('believes X-Forwarded-For from a trusted proxy: each client behind it has its own limit', async () => {
    frozenClock();
    const { app } = testApp({ RATE_LIMIT_PER_MINUTE: '1', TRUSTED_PROXIES: '10.0.0.0/8' });
    expect((await send(app, '10.1.2.3', { 'x-forwarded-for': '203.0.113.5' })).statusCode).toBe(202);
    expect((await send(app, '10.1.2.3', { 'x-forwarded-for': '203.0.113.6' })).statusCode).toBe(202);
    // The same client through another proxy replica is still the same client.
    const limited = await send(app, '10.9.9.9', { 'x-forwarded-for': '203.0.113.5' });
    expect(limited.statusCode).toBe(429);
    expect(limited.body).toBe('more than 1 requests per minute from 203.0.113.5');
    await app.close();
  });

  it('takes the first untrusted address of a proxy chain, so a forged X-Forwarded-For does not evade the limit', async () => {
    frozenClock();
    const { app } = testApp({ RATE_LIMIT_PER_MINUTE: '1', TRUSTED_PROXIES: '10.0.0.0/8' });
    // The client forges a leftmost entry; its proxies append what they saw.
    const first = await send(app, '10.1.2.3', { 'x-forwarded-for': '198.51.100.1, 203.0.113.5, 10.0.0.7' });
    expect(first.statusCode).toBe(202);
    const limited = await send(app, '10.1.2.3', { 'x-forwarded-for': '198.51.100.2, 203.0.113.5, 10.0.0.7' });
    expect(limited.statusCode).toBe(429);
    expect(limited.body).toBe('more than 1 requests per minute from 203.0.113.5');
    await app.close();
  });

  it('ignores X-Forwarded-For from an address that is not a trusted proxy', async () => {
    frozenClock();
    const { app } = testApp({ RATE_LIMIT_PER_MINUTE: '1', TRUSTED_PROXIES: '10.0.0.0/8' });
    expect((await send(app, '192.0.2.9', { 'x-forwarded-for': '203.0.113.5' })).statusCode).toBe(202);
    const limited = await send(app, '192.0.2.9', { 'x-forwarded-for': '203.0.113.7' });
    expect(limited.statusCode).toBe(429);
    expect(limited.body).toBe('more than 1 requests per minute from 192.0.2.9');
    await app.close();
  });

  it('ignores X-Forwarded-For when no proxy is trusted', async () => {
    frozenClock();
    const { app } = testApp({ RATE_LIMIT_PER_MINUTE: '1' });
    expect((await send(app, '10.1.2.3', { 'x-forwarded-for': '203.0.113.5' })).statusCode).toBe(202);
    const limited = await send(app, '10.1.2.3', { 'x-forwarded-for': '203.0.113.6' });
    expect(limited.statusCode).toBe(429);
    expect(limited.body).toBe('more than 1 requests per minute from 10.1.2.3');
    await app.close();
  });

  it('is off at 0', async () => {
    frozenClock();
    const { app } = testApp({ RATE_LIMIT_PER_MINUTE: '0' });
    for (let i = 0; i < 600; i++) expect((await send(app, '192.0.2.1')).statusCode).toBe(202);
    await app.close();
  });
});

describe('POST /metrics while other bodies fill the receiver', () => {
  const body = `[${Array.from({ length: 20 }, () => VALID).join(',')}]`;
  const env = {
    MAX_BODY_BYTES: '4096',
    RECEIVER_MAX_BODY_BYTES_IN_FLIGHT: String(body.length + 100),
    RECEIVER_ADMISSION_TIMEOUT_MS: '100',
  };

  it('answers 503 with Retry-After when no room comes in time, storing nothing of it', async () => {
    const publisher = new HoldingPublisher();
    const { app } = testApp(env, publisher);
    const first = app.inject(post({ headers: { ...bearer(), ...JSON_CT }, payload: body }));
    await publisher.holding(1);
    const second = await app.inject(post({ headers: { ...bearer(), ...JSON_CT }, payload: body }));
    expect(second.statusCode).toBe(503);
    expect(second.headers['retry-after']).toBe('1');
    expect(second.headers['content-type']).toMatch(/^text\/plain/);
    expect(second.body).toBe('receiver busy: other bodies held it for 100 ms, nothing was stored');
    expect(publisher.published).toHaveLength(1);
    publisher.release();
    expect((await first).statusCode).toBe(202);
    // Its bytes were given back: the next body is admitted at once.
    const third = app.inject(post({ headers: { ...bearer(), ...JSON_CT }, payload: body }));
    await publisher.holding(1);
    publisher.release();
    expect((await third).statusCode).toBe(202);
    await app.close();
  });

  it('lets a waiting body in as soon as the one before it is answered', async () => {
    const publisher = new HoldingPublisher();
    const { app } = testApp({ ...env, RECEIVER_ADMISSION_TIMEOUT_MS: '10000' }, publisher);
    const first = app.inject(post({ headers: { ...bearer(), ...JSON_CT }, payload: body }));
    await publisher.holding(1);
    const second = app.inject(post({ headers: { ...bearer(), ...JSON_CT }, payload: body }));
    publisher.release();
    expect((await first).statusCode).toBe(202);
    await publisher.holding(1);
    publisher.release();
    expect((await second).statusCode).toBe(202);
    expect(publisher.published).toHaveLength(2);
    await app.close();
  });
});

describe('POST /metrics when Kafka does not acknowledge', () => {
  it('answers 503 with the publisher’s Retry-After, and counts no record', async () => {
    const { app, registry } = testApp({}, refusingPublisher(7));
    const response = await app.inject(
      post({ headers: { ...bearer(), ...JSON_CT }, payload: `[${VALID},{"name":"bad"}]` }),
    );
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('7');
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toBe(
      'queue unavailable, nothing was stored: Kafka did not acknowledge within 10000 ms',
    );
    expect(await recordCounts(registry)).toEqual({ accepted: 0, rejected: 0 });
    await app.close();
  });

  it('answers 503 with a default Retry-After when the publisher fails otherwise', async () => {
    const { app } = testApp({}, new RecordingPublisher(new Error('broker gone')));
    const response = await app.inject(post({ headers: { ...bearer(), ...JSON_CT }, payload: VALID }));
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.body).toBe('queue unavailable, nothing was stored: broker gone');
    await app.close();
  });
});

describe('POST /metrics accepted', () => {
  const msgpack = Buffer.from(encode({ name: 'm', gauge: { value: 1 } }));
  // name, request headers, body sent, body published (decompressed), format header, records
  const cases: [string, Record<string, string>, string | Buffer, string | Buffer, string, number][] = [
    ['JSON', JSON_CT, VALID, VALID, 'json', 1],
    [
      'JSON with parameters and another case',
      { 'content-type': 'Application/JSON; charset=utf-8' },
      VALID,
      VALID,
      'json',
      1,
    ],
    [
      'NDJSON',
      { 'content-type': 'application/x-ndjson' },
      `${VALID}\n${VALID}`,
      `${VALID}\n${VALID}`,
      'ndjson',
      2,
    ],
    ['MessagePack', { 'content-type': 'application/msgpack' }, msgpack, msgpack, 'msgpack', 1],
    ['gzip', { ...JSON_CT, 'content-encoding': 'gzip' }, gzipSync(VALID), VALID, 'json', 1],
    ['deflate', { ...JSON_CT, 'content-encoding': 'deflate' }, deflateSync(VALID), VALID, 'json', 1],
  ];

  it.each(
    cases,
  )('%s: 202 after exactly one publish carrying org, source, format and reception time', async (_n, headers, payload, stored, format, records) => {
    const { app, publisher } = testApp();
    const before = Date.now() * 1000;
    const response = await app.inject(post({ headers: { ...bearer(), ...headers }, payload }));
    const after = Date.now() * 1000;
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ accepted: records, rejected: 0, errors: [] });
    expect(publisher.published).toHaveLength(1);
    const { topic, message, body } = publisher.published[0]!;
    expect(topic).toBe('unit.metrics.raw');
    // The decompressed bytes, as the client meant them.
    expect(body).toEqual(Buffer.from(stored));
    expect(message.key).toBeNull();
    expect(message.headers).toMatchObject({
      dialect: 'betterstack',
      org: ORG,
      source: SOURCE,
      format,
      'max-age-us': String(900 * 1_000_000),
      'max-future-us': String(3600 * 1_000_000),
    });
    const receivedAt = Number(message.headers!['received-at-us']);
    expect(receivedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(receivedAt).toBeLessThanOrEqual(after + 1000);
    await app.close();
  });

  it('202 names the rejected records and counts both outcomes', async () => {
    const { app, publisher, registry } = testApp();
    const response = await app.inject(
      post({
        headers: { ...bearer(), ...JSON_CT },
        payload: `[${VALID},{"name":"x","gauge":{"value":1},"dt":1672490759},${VALID}]`,
      }),
    );
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({
      accepted: 2,
      rejected: 1,
      errors: [{ index: 1, error: 'timestamp 2022-12-31T12:45:59.000Z is more than 15 min in the past' }],
    });
    expect(publisher.published).toHaveLength(1);
    expect(await recordCounts(registry)).toEqual({ accepted: 2, rejected: 1 });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('receiver_records_total{dialect="betterstack",outcome="rejected"} 1\n');
    await app.close();
  });

  it('passes the configured window on to the normalizer', async () => {
    const { app, publisher } = testApp({ MAX_SAMPLE_AGE_SECONDS: '0', MAX_SAMPLE_FUTURE_SECONDS: '0' });
    const response = await app.inject(
      post({
        headers: { ...bearer(), ...JSON_CT },
        payload: '{"name":"x","gauge":{"value":1},"dt":1672490759}',
      }),
    );
    expect(response.statusCode).toBe(202);
    expect(publisher.published[0]!.message.headers).toMatchObject({
      'max-age-us': '0',
      'max-future-us': '0',
    });
    await app.close();
  });
});
