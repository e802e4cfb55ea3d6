/**
 * The OpenObserve route's answers (CONTRACT.md §2) through fastify's inject, with a Publisher that
 * records what it was given or refuses like the BatchingProducer does. What Kafka does with an
 * accepted body is the integration tests' business (test/integration/openobserve-spec...).
 */
import { gzipSync } from 'node:zlib';
import { decodeOpenObserveBody } from '@pipeline/dialect-openobserve';
import { QueueUnavailableError, readRawPayload } from '@pipeline/kafka-io';
import { TypeRegistry } from '@pipeline/type-registry';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { loadReceiverConfig } from '../config.js';
import { HoldingPublisher, RecordingPublisher } from './route-test-support.js';

const USER = 'ann@example.com';
const PASSWORD = 'ann-password';
const ORG = 'acme';
// A password with ':' in it: only the first ':' of the decoded credentials separates the user.
const OTHER_USER = 'bob@example.com';
const OTHER_PASSWORD = 'b:o:b';
const OTHER_ORG = 'globex';
const URL = `/api/${ORG}/ingest/metrics/_json`;
const MAX_BODY_BYTES = 4096;

const UNAUTHORIZED = { code: 401, message: 'Unauthorized Access' };

function testApp(env: Record<string, string> = {}, publisher = new RecordingPublisher()) {
  const config = loadReceiverConfig({
    OPENOBSERVE_USERS: `${USER}:${PASSWORD}@${ORG},${OTHER_USER}:${OTHER_PASSWORD}@${OTHER_ORG}`,
    KAFKA_TOPIC_PREFIX: 'unit.',
    MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    RATE_LIMIT_PER_MINUTE: '0',
    ...env,
  });
  const types = new TypeRegistry();
  const registry = new Registry();
  const app = buildApp(config, { publisher, types, logger: pino({ level: 'silent' }), registry });
  return { app, publisher, types, registry };
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const basic = (user = USER, password = PASSWORD) => `Basic ${b64(`${user}:${password}`)}`;

const GAUGE = JSON.stringify([{ __name__: 'cpu', __type__: 'gauge', host: 'a', value: 0.5 }]);
const OK_RESPONSE = { code: 200, status: [{ name: 'cpu', successful: 1, failed: 0 }] };

async function post(
  app: ReturnType<typeof testApp>['app'],
  options: { authorization?: string; body?: string | Buffer; headers?: Record<string, string>; url?: string },
) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  return app.inject({ method: 'POST', url: options.url ?? URL, headers, payload: options.body ?? GAUGE });
}

async function counter(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const value = metric?.values.find((v) =>
    Object.entries(labels).every(([k, x]) => String(v.labels[k]) === x),
  );
  return value?.value ?? 0;
}

describe('POST /api/{org}/ingest/metrics/_json: refused before anything is published', () => {
  it.each<[string, string | undefined]>([
    ['no Authorization header', undefined],
    ['wrong password', basic(USER, 'not-the-password')],
    ['unknown user', basic('nobody@example.com', PASSWORD)],
    ['empty password', basic(USER, '')],
    ['password of another user', basic(USER, OTHER_PASSWORD)],
    ['Basic without credentials', 'Basic'],
    ['Basic with text that is not base64 of user:password', 'Basic !!!***'],
    ['Basic with base64 of a user without a colon', `Basic ${b64(USER)}`],
    ['Basic with base64 of ":password" (no user)', `Basic ${b64(`:${PASSWORD}`)}`],
    ['Basic with two tokens', `${basic()} extra`],
    ['another scheme', `Digest ${b64(`${USER}:${PASSWORD}`)}`],
    ['the raw user:password, not base64', `Basic ${USER}:${PASSWORD}`],
  ])('401 Unauthorized Access: %s', async (_case, authorization) => {
    const { app, publisher, registry } = testApp();
    const response = await post(app, authorization === undefined ? {} : { authorization });
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual(UNAUTHORIZED);
    expect(publisher.published).toEqual([]);
    expect(
      await counter(registry, 'receiver_requests_total', { dialect: 'openobserve', status: '401' }),
    ).toBe(1);
  });

  it('403 for valid credentials of another org, naming the org', async () => {
    const { app, publisher } = testApp();
    const response = await post(app, { authorization: basic(OTHER_USER, OTHER_PASSWORD) });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({
      code: 403,
      message: `user ${OTHER_USER} has no access to organization ${ORG}`,
    });
    expect(publisher.published).toEqual([]);
  });

  it('403 when the org in the path differs only by case (orgs are exact)', async () => {
    const { app, publisher } = testApp();
    const response = await post(app, { authorization: basic(), url: '/api/ACME/ingest/metrics/_json' });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 403 });
    expect(publisher.published).toEqual([]);
  });

  it.each([
    ['an empty body', ''],
    ['only whitespace', ' \n\t '],
    ['a JSON array cut short', '[{"__name__":"cpu","__type__":"gauge","value":1}'],
    ['an array followed by garbage', '[{"__name__":"cpu"}] trailing'],
    ['NDJSON with a bad second line', '{"__name__":"cpu","__type__":"gauge","value":1}\n{"__name__": nope}'],
    ['plain text', 'cpu,host=a value=1 1690129406888'],
    ['form-encoded text', '__name__=cpu&value=1'],
  ])("400 with the parser's reason: %s", async (_case, body) => {
    const { app, publisher } = testApp();
    const response = await post(app, { authorization: basic(), body });
    const decoded = decodeOpenObserveBody(Buffer.from(body));
    expect(decoded.ok).toBe(false);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ code: 400, message: (decoded as { error: string }).error });
    expect(publisher.published).toEqual([]);
  });

  it('400 names the NDJSON line that failed', async () => {
    const { app } = testApp();
    const body = '{"__name__":"a","__type__":"gauge","value":1}\n\n{"__name__":"b",}\n';
    const response = await post(app, { authorization: basic(), body });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ message: string }>().message).toMatch(/^invalid NDJSON at line 3: /);
  });

  it.each([
    [
      'an unsupported Content-Encoding',
      'br',
      Buffer.from(GAUGE),
      'unsupported Content-Encoding "br" (gzip, deflate)',
    ],
    ['a gzip body that is not gzip', 'gzip', Buffer.from(GAUGE), 'incorrect header check'],
    ['a gzip body cut short', 'gzip', gzipSync(GAUGE).subarray(0, 20), 'unexpected end of file'],
  ])('400 for %s', async (_case, encoding, body, message) => {
    const { app, publisher } = testApp();
    const response = await post(app, {
      authorization: basic(),
      body,
      headers: { 'content-encoding': encoding },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ code: 400, message });
    expect(publisher.published).toEqual([]);
  });

  it('413 over MAX_BODY_BYTES, naming the limit', async () => {
    const { app, publisher } = testApp();
    const record = { __name__: 'cpu', __type__: 'gauge', pad: 'x'.repeat(MAX_BODY_BYTES), value: 1 };
    const response = await post(app, { authorization: basic(), body: JSON.stringify([record]) });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({
      code: 413,
      message: `payload reached size limit of ${MAX_BODY_BYTES} bytes`,
    });
    expect(publisher.published).toEqual([]);
  });

  it('413 when a small gzip body inflates beyond MAX_BODY_BYTES', async () => {
    const { app, publisher } = testApp();
    const records = Array.from({ length: 200 }, (_, i) => ({
      __name__: 'cpu',
      __type__: 'gauge',
      host: `h${i}`,
      value: i,
    }));
    const body = gzipSync(JSON.stringify(records));
    expect(body.length).toBeLessThan(MAX_BODY_BYTES);
    const response = await post(app, {
      authorization: basic(),
      body,
      headers: { 'content-encoding': 'gzip' },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ code: 413 });
    expect(publisher.published).toEqual([]);
  });

  it('a body of exactly MAX_BODY_BYTES is accepted', async () => {
    const { app, publisher } = testApp();
    const head = '[{"__name__":"cpu","__type__":"gauge","value":1,"pad":"';
    const tail = '"}]';
    const body = head + 'x'.repeat(MAX_BODY_BYTES - head.length - tail.length) + tail;
    expect(Buffer.byteLength(body)).toBe(MAX_BODY_BYTES);
    const response = await post(app, { authorization: basic(), body });
    expect(response.statusCode).toBe(200);
    expect(publisher.published).toHaveLength(1);
  });

  it('429 with Retry-After past the per-minute limit, before authentication', async () => {
    const { app, publisher } = testApp({ RATE_LIMIT_PER_MINUTE: '2' });
    expect((await post(app, { authorization: basic() })).statusCode).toBe(200);
    expect((await post(app, { authorization: basic() })).statusCode).toBe(200);
    for (const authorization of [basic(), undefined]) {
      const response = await post(app, authorization === undefined ? {} : { authorization });
      expect(response.statusCode).toBe(429);
      const retryAfter = Number(response.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(response.json()).toEqual({
        code: 429,
        message: 'more than 2 requests per minute from 127.0.0.1',
      });
    }
    expect(publisher.published).toHaveLength(2);
  });

  it("503 with the queue's Retry-After when Kafka does not acknowledge", async () => {
    const refusal = new QueueUnavailableError('Kafka did not acknowledge within 10000 ms', 7);
    const { app, publisher, registry } = testApp({}, new RecordingPublisher(refusal));
    const response = await post(app, { authorization: basic() });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('7');
    expect(response.json()).toEqual({
      code: 503,
      message: 'queue unavailable, nothing was stored: Kafka did not acknowledge within 10000 ms',
    });
    expect(publisher.published).toEqual([]);
    expect(await counter(registry, 'receiver_body_bytes_total', { dialect: 'openobserve' })).toBe(0);
    // Nothing was stored, so nothing was accepted or rejected either.
    expect(
      await counter(registry, 'receiver_records_total', { dialect: 'openobserve', outcome: 'accepted' }),
    ).toBe(0);
  });

  it('503 with a Retry-After for any other publish failure too', async () => {
    const { app } = testApp({}, new RecordingPublisher(new Error('broker connection closed')));
    const response = await post(app, { authorization: basic() });
    expect(response.statusCode).toBe(503);
    expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(response.json()).toEqual({
      code: 503,
      message: 'queue unavailable, nothing was stored: broker connection closed',
    });
  });
});

describe('POST /api/{org}/ingest/metrics/_json: accepted', () => {
  it.each<[string, string]>([
    ['Basic', basic()],
    ['Bearer carrying the same base64(user:password)', `Bearer ${b64(`${USER}:${PASSWORD}`)}`],
    ['lower-case scheme', `basic ${b64(`${USER}:${PASSWORD}`)}`],
  ])('200 with %s', async (_case, authorization) => {
    const { app, publisher } = testApp();
    const response = await post(app, { authorization });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(OK_RESPONSE);
    expect(publisher.published).toHaveLength(1);
  });

  it('200 for a user whose password contains colons', async () => {
    const { app, publisher } = testApp();
    const response = await post(app, {
      authorization: basic(OTHER_USER, OTHER_PASSWORD),
      url: `/api/${OTHER_ORG}/ingest/metrics/_json`,
    });
    expect(response.statusCode).toBe(200);
    expect(publisher.published[0]!.message.key).toBe(OTHER_ORG);
  });

  it.each([
    ['application/json', GAUGE],
    ['application/x-ndjson', GAUGE.slice(1, -1)],
    // curl -d without -H sends this type; the README's example does exactly that.
    ['application/x-www-form-urlencoded', GAUGE],
    ['text/plain; charset=utf-8', GAUGE],
  ])('200 whatever the Content-Type says (%s): the body is read as JSON', async (contentType, body) => {
    const { app, publisher } = testApp();
    const response = await post(app, {
      authorization: basic(),
      body,
      headers: { 'content-type': contentType },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(OK_RESPONSE);
    expect(publisher.published).toHaveLength(1);
  });

  it('200 for a body without Content-Type', async () => {
    const { app, publisher } = testApp();
    const response = await app.inject({
      method: 'POST',
      url: URL,
      headers: { authorization: basic() },
      payload: Buffer.from(GAUGE),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(OK_RESPONSE);
    expect(publisher.published).toHaveLength(1);
  });

  it('publishes the body as sent to the raw topic, keyed by org, with the reception time and limits', async () => {
    const { app, publisher } = testApp({ MAX_FIELDS_PER_RECORD: '7' });
    const before = Date.now() * 1000;
    const response = await post(app, { authorization: basic() });
    // Date.now() has millisecond resolution; the reception time has microseconds.
    const after = (Date.now() + 1) * 1000;
    expect(response.statusCode).toBe(200);
    expect(publisher.published).toHaveLength(1);
    const { topic, message } = publisher.published[0]!;
    expect(topic).toBe('unit.metrics.raw');
    expect(message.key).toBe(ORG);
    const read = readRawPayload({ value: Buffer.from(message.value), headers: message.headers });
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.payload).toMatchObject({
      dialect: 'openobserve',
      org: ORG,
      source: USER,
      format: 'json',
      maxFieldsPerRecord: 7,
    });
    expect(read.payload.body.toString()).toBe(GAUGE);
    expect(read.payload.receivedAtUs).toBeGreaterThanOrEqual(before);
    expect(read.payload.receivedAtUs).toBeLessThanOrEqual(after);
  });

  it('publishes the inflated bytes of a gzip body', async () => {
    const { app, publisher } = testApp();
    const response = await post(app, {
      authorization: basic(),
      body: gzipSync(GAUGE),
      headers: { 'content-encoding': 'gzip' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(OK_RESPONSE);
    expect(publisher.published[0]!.body.toString()).toBe(GAUGE);
  });

  it('counts failed records per stream in the 200 and still publishes them, for the dead-letter topic', async () => {
    const { app, publisher, registry } = testApp({ MAX_FIELDS_PER_RECORD: '4' });
    const body = JSON.stringify([
      { __name__: 'cpu', __type__: 'gauge', value: 1 },
      { __name__: 'cpu', __type__: 'gauge_ish', value: 1 },
      { __name__: 'mem', __type__: 'gauge' },
      { __name__: 'mem', __type__: 'gauge', a: 1, b: 2, value: 1 },
      { __name__: 'mem', __type__: 'gauge', _timestamp: '2023-07-23', value: 1 },
      { __name__: 'cpu', __type__: 'counter', value: 2 },
    ]);
    const response = await post(app, { authorization: basic(), body });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      code: 200,
      status: [
        {
          name: 'cpu',
          successful: 1,
          failed: 2,
          error: 'unknown __type__ "gauge_ish": expected counter, gauge, histogram or summary',
        },
        {
          name: 'mem',
          successful: 0,
          failed: 3,
          error: 'value is required and must be a number',
        },
      ],
    });
    expect(publisher.published).toHaveLength(1);
    expect(
      await counter(registry, 'receiver_records_total', { dialect: 'openobserve', outcome: 'accepted' }),
    ).toBe(1);
    expect(
      await counter(registry, 'receiver_records_total', { dialect: 'openobserve', outcome: 'rejected' }),
    ).toBe(5);
  });

  it('refuses a record whose stream is registered with another type, and accepts the registered type', async () => {
    const { app, publisher, types } = testApp();
    types.register(ORG, 'cpu', 'counter');
    types.register(OTHER_ORG, 'mem', 'counter');
    const body = JSON.stringify([
      { __name__: 'cpu', __type__: 'gauge', value: 1 },
      { __name__: 'cpu', __type__: 'counter', value: 2 },
      { __name__: 'mem', __type__: 'gauge', value: 3 },
    ]);
    const response = await post(app, { authorization: basic(), body });
    expect(response.json()).toEqual({
      code: 200,
      status: [
        {
          name: 'cpu',
          successful: 1,
          failed: 1,
          error: 'metric type mismatch: stream cpu is registered as counter, got gauge',
        },
        // Another org's registration does not apply.
        { name: 'mem', successful: 1, failed: 0 },
      ],
    });
    expect(publisher.published).toHaveLength(1);
  });

  it('answers the spec example with the response of the spec, byte for byte', async () => {
    const { app } = testApp();
    const body = `[
	{
		"__name__": "cpu",
		"__type__": "gauge",
		"namespace": "ziox",
		"container": "zo1",
        "_timestamp": 1687260776548485,
		"value": 1.31
	},
	{
		"__name__": "cpu",
		"__type__": "gauge",
		"namespace": "ziox",
		"container": "zo2",
		"value": 0.31
	}
]`;
    const response = await post(app, { authorization: basic(), body });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"code":200,"status":[{"name":"cpu","successful":2,"failed":0}]}');
  });
});

describe('POST /api/{org}/ingest/metrics/_json while other bodies fill the receiver', () => {
  it("answers 503 with Retry-After in the dialect's body when no room comes in time", async () => {
    const publisher = new HoldingPublisher();
    const { app } = testApp(
      { RECEIVER_MAX_BODY_BYTES_IN_FLIGHT: String(GAUGE.length + 10), RECEIVER_ADMISSION_TIMEOUT_MS: '100' },
      publisher,
    );
    const first = post(app, { authorization: basic() });
    await publisher.holding(1);
    const second = await post(app, { authorization: basic() });
    expect(second.statusCode).toBe(503);
    expect(second.headers['retry-after']).toBe('1');
    expect(second.json()).toEqual({
      code: 503,
      message: 'receiver busy: other bodies held it for 100 ms, nothing was stored',
    });
    publisher.release();
    expect((await first).statusCode).toBe(200);
    await app.close();
  });
});
