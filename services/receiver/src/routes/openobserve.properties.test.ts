/**
 * Whatever a client sends to the OpenObserve route, the receiver answers 200 or a 4xx in the
 * contract's JSON shape, never 5xx (the publisher here accepts everything), never crashes, and
 * never lets a key such as `__proto__` reach Object.prototype.
 */
import { gzipSync } from 'node:zlib';
import type { OutgoingMessage } from '@pipeline/kafka-io';
import { TypeRegistry } from '@pipeline/type-registry';
import fc from 'fast-check';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { loadReceiverConfig } from '../config.js';
import type { Publisher } from '../publisher.js';

const USER = 'prop@example.com';
const PASSWORD = 'prop-password';
const ORG = 'acme';
const URL = `/api/${ORG}/ingest/metrics/_json`;
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const NUM_RUNS = 200;
const DANGEROUS_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
  'polluted',
];

const published: OutgoingMessage[] = [];
const publisher: Publisher = {
  healthy: true,
  publish: async (_topic, message) => void published.push(message),
};
const types = new TypeRegistry();
// Some streams the arbitraries pick are registered, so conflicts are part of the input space.
types.register(ORG, 'cpu', 'counter');
types.register(ORG, '__proto__', 'gauge');
types.register(ORG, 'constructor', 'summary');
const app = buildApp(
  loadReceiverConfig({
    OPENOBSERVE_USERS: `${USER}:${PASSWORD}@${ORG}`,
    RATE_LIMIT_PER_MINUTE: '0',
    MAX_BODY_BYTES: String(4 * 1024 * 1024),
  }),
  { publisher, types, logger: pino({ level: 'silent' }), registry: new Registry() },
);
beforeAll(() => app.ready());
afterAll(() => app.close());

interface Answer {
  code: number;
  status?: { name: string; successful: number; failed: number; error?: string }[];
  message?: string;
}

function expectPrototypeUntouched(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  expect(typeof Object.prototype.toString).toBe('function');
}

/**
 * Posts and checks the answer's shape: 200 with per-stream counts (and the body published once)
 * or 400 with a message (and nothing published). Returns the 200's statuses.
 */
async function postChecked(
  payload: Buffer | string,
  headers: Record<string, string> = {},
): Promise<Answer['status'] | undefined> {
  const before = published.length;
  const response = await app.inject({
    method: 'POST',
    url: URL,
    headers: { authorization: AUTH, ...headers },
    payload,
  });
  expectPrototypeUntouched();
  expect(response.statusCode, response.body).toBeLessThan(500);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const answer = response.json<Answer>();
  expect(Object.getPrototypeOf(answer)).toBe(Object.prototype);
  expect(answer.code).toBe(response.statusCode);
  if (response.statusCode === 200) {
    expect(published.length).toBe(before + 1);
    expect(Array.isArray(answer.status)).toBe(true);
    const names = new Set<string>();
    for (const s of answer.status!) {
      expect(typeof s.name).toBe('string');
      expect(names.has(s.name)).toBe(false);
      names.add(s.name);
      expect(s.successful + s.failed).toBeGreaterThan(0);
      if (s.failed > 0) expect(s.error).toMatch(/\S/);
      else expect(s.error).toBeUndefined();
    }
    return answer.status;
  }
  expect(response.statusCode).toBe(400);
  expect(answer.message).toMatch(/\S/);
  expect(published.length).toBe(before);
  return undefined;
}

const total = (status: Answer['status']) => (status ?? []).reduce((n, s) => n + s.successful + s.failed, 0);

/** JSON text of an object whose keys are own properties, even `__proto__` (a literal cannot hold it). */
const objectText = (entries: readonly (readonly [string, string])[]) =>
  `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;

const key = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...DANGEROUS_KEYS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('__name__', '__type__', 'value', '_timestamp', '@timestamp') },
);

/** Any JSON value as text, its objects keyed by dangerous names too. */
const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.stringify(v)),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 5 }).map(objectText),
  ),
})).value;

const metricType = fc.oneof(
  fc.constantFrom('gauge', 'counter', 'histogram', 'summary', 'GAUGE', 'guage', 'Counter'),
  fc.string({ maxLength: 8 }),
);
const streamName = fc.oneof(
  fc.constantFrom('cpu', 'mem', '__proto__', 'constructor', 'toString'),
  fc.string(),
);

/** Records that look like metrics, with some fields wrong or missing and dangerous labels. */
const recordText = fc
  .record(
    {
      name: fc.oneof(
        streamName.map((s) => JSON.stringify(s)),
        jsonText,
      ),
      type: fc.oneof(
        metricType.map((t) => JSON.stringify(t)),
        jsonText,
      ),
      value: fc.oneof(
        fc.double().map((d) => (Number.isFinite(d) ? JSON.stringify(d) : '1e400')),
        fc.integer().map(String),
        jsonText,
      ),
      timestamp: fc.oneof(
        fc.constantFrom('1690129406888', '1674789786006000', '0', '1e30', '-5'),
        fc.nat().map(String),
        jsonText,
      ),
      labels: fc.array(fc.tuple(key, jsonText), { maxLength: 6 }),
    },
    { requiredKeys: ['labels'] },
  )
  .map(({ name, type, value, timestamp, labels }) => {
    const entries: [string, string][] = [];
    if (name !== undefined) entries.push(['__name__', name]);
    if (type !== undefined) entries.push(['__type__', type]);
    if (timestamp !== undefined) entries.push(['_timestamp', timestamp]);
    if (value !== undefined) entries.push(['value', value]);
    entries.push(...labels);
    return objectText(entries);
  });

describe('OpenObserve route under arbitrary input', () => {
  afterAll(expectPrototypeUntouched);

  it('answers arbitrary bytes with 200 or 400, whatever the Content-Type and encoding', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2048 }),
        fc.constantFrom('application/json', 'application/x-ndjson', 'text/plain', 'application/octet-stream'),
        fc.boolean(),
        async (bytes, contentType, gzip) => {
          const body = gzip ? gzipSync(bytes) : Buffer.from(bytes);
          const headers: Record<string, string> = { 'content-type': contentType };
          if (gzip) headers['content-encoding'] = 'gzip';
          await postChecked(body, headers);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('answers a corrupt gzip body with 400 and publishes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 512 }), async (bytes) => {
        const before = published.length;
        const gz = gzipSync(bytes);
        // The deflate stream's first byte 0xff announces a block of the reserved type 3.
        const corrupt = Buffer.concat([gz.subarray(0, 10), Buffer.from([0xff, 0xff, 0xff]), gz.subarray(13)]);
        const response = await app.inject({
          method: 'POST',
          url: URL,
          headers: { authorization: AUTH, 'content-type': 'application/json', 'content-encoding': 'gzip' },
          payload: corrupt,
        });
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual({ code: 400, message: 'invalid block type' });
        expect(published.length).toBe(before);
      }),
      { numRuns: 50 },
    );
  });

  it('answers any JSON value with 200 and counts every record once', async () => {
    await fc.assert(
      fc.asyncProperty(jsonText, async (text) => {
        const status = await postChecked(text, { 'content-type': 'application/json' });
        expect(status).toBeDefined();
        const value: unknown = JSON.parse(text);
        expect(total(status)).toBe(Array.isArray(value) ? value.length : 1);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('answers arrays and NDJSON of metric-like records alike, counting each record once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(recordText, { minLength: 1, maxLength: 8 }), async (records) => {
        const asArray = await postChecked(`[${records.join(',')}]`);
        const asLines = await postChecked(records.join('\n'), { 'content-type': 'application/x-ndjson' });
        expect(total(asArray)).toBe(records.length);
        expect(asLines).toEqual(asArray);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('accepts valid records whatever labels they carry, `__proto__` and `constructor` included', async () => {
    const label = fc.tuple(
      fc.oneof(fc.constantFrom(...DANGEROUS_KEYS), fc.string({ minLength: 1, maxLength: 12 })),
      fc.oneof(
        fc.string().map((s) => JSON.stringify(s)),
        fc.integer().map(String),
        fc.constant('null'),
        fc
          .array(
            fc.tuple(
              fc.constantFrom(...DANGEROUS_KEYS),
              fc.string().map((s) => JSON.stringify(s)),
            ),
          )
          .map(objectText),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(label, { maxLength: 8 })
          .filter((labels) =>
            labels.every(([k]) => !['__name__', '__type__', 'value', '_timestamp', '@timestamp'].includes(k)),
          ),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        async (labels, value) => {
          const record = objectText([
            ['__name__', '"mem"'],
            ['__type__', '"gauge"'],
            ['value', JSON.stringify(value)],
            ...labels,
          ]);
          const status = await postChecked(`[${record}]`);
          expect(status).toEqual([{ name: 'mem', successful: 1, failed: 0 }]);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it.each([
    ['arrays', (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`, 1],
    ['objects', (n: number) => `${'{"__proto__":'.repeat(n)}1${'}'.repeat(n)}`, 1],
    [
      'arrays in a label',
      (n: number) =>
        `[{"__name__":"cpu","__type__":"counter","value":1,"a":${'['.repeat(n)}${']'.repeat(n)}}]`,
      1,
    ],
    [
      'objects in a label',
      (n: number) =>
        `[{"__name__":"cpu","__type__":"counter","value":1,"a":${'{"b":'.repeat(n)}1${'}'.repeat(n)}}]`,
      1,
    ],
  ])('answers 200 for %s nested 100000 deep', async (_case, body, records) => {
    const status = await postChecked(body(100_000));
    expect(total(status)).toBe(records);
    expect(status!.every((s) => s.failed === 1)).toBe(true);
  });
});
