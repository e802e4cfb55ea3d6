// Whatever a client sends to POST /metrics, the receiver answers 202 or a 4xx with a text body, never
// a 5xx and never a crash, and no body can touch Object.prototype. The publisher accepts everything,
// so a 5xx could only come from the receiver itself.
import { gzipSync } from 'node:zlib';
import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bearer, type RecordingPublisher, testApp } from './route-test-support.js';

const RUNS = { numRuns: 200 };
const CONTENT_TYPES = ['application/json', 'application/x-ndjson', 'application/msgpack'] as const;
const PARSE = "Couldn't parse JSON content.";
const DANGEROUS_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'polluted'];
const RECORD_KEYS = ['name', 'gauge', 'counter', 'histogram', 'summary', 'tags', 'dt', ...DANGEROUS_KEYS];

let app: FastifyInstance;
let publisher: RecordingPublisher;

beforeAll(() => {
  ({ app, publisher } = testApp({ RATE_LIMIT_PER_MINUTE: '0', MAX_BODY_BYTES: String(1024 * 1024) }));
});
afterAll(async () => {
  await app.close();
});
beforeEach(() => {
  publisher.published.length = 0;
});

/** Every own property of Object.prototype and its value, to see that none was added or replaced. */
const prototypeSnapshot = () =>
  Object.getOwnPropertyNames(Object.prototype).map((name) => [
    name,
    Object.getOwnPropertyDescriptor(Object.prototype, name)?.value,
  ]);
const pristine = prototypeSnapshot();

function expectPrototypeUntouched(): void {
  expect(prototypeSnapshot()).toEqual(pristine);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly published: number;
}

async function send(
  contentType: string,
  payload: Buffer | string,
  extraHeaders: Record<string, string> = {},
): Promise<Answer> {
  publisher.published.length = 0;
  const response = await app.inject({
    method: 'POST',
    url: '/metrics',
    headers: { ...bearer(), 'content-type': contentType, ...extraHeaders },
    payload,
  });
  return { status: response.statusCode, body: response.body, published: publisher.published.length };
}

/** The answer is one the contract allows, and agrees with what was published. */
function expectWellFormed(answer: Answer, records?: number): void {
  expect([202, 406, 413]).toContain(answer.status);
  if (answer.status === 202) {
    const body = JSON.parse(answer.body) as {
      accepted: number;
      rejected: number;
      errors: { index: number }[];
    };
    expect(body.accepted).toBeGreaterThan(0);
    if (records !== undefined) expect(body.accepted + body.rejected).toBe(records);
    expect(body.errors).toHaveLength(Math.min(body.rejected, 100));
    expect(answer.published).toBe(1);
  } else if (answer.status === 406) {
    expect(answer.body.startsWith(`${PARSE} `)).toBe(true);
    // Published only for dead-lettering records that were all invalid.
    expect(answer.published).toBe(answer.body.startsWith(`${PARSE} No valid record: `) ? 1 : 0);
  } else {
    expect(answer.body).toBe('payload reached size limit');
    expect(answer.published).toBe(0);
  }
  expectPrototypeUntouched();
}

/** JSON object text whose keys are own properties, even `__proto__`, which an object literal cannot hold. */
const objectText = (entries: readonly (readonly [string, string])[]) =>
  `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;

const key = fc.oneof(fc.constantFrom(...RECORD_KEYS), fc.string({ maxLength: 8 }));
const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -1, 1672490759, 1672490759123));
const jsonText = (value: unknown) => JSON.stringify(value) ?? 'null';
const valueText: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map(jsonText),
  number.map((n) => (Number.isFinite(n) ? String(n) : '1e999')),
  fc.record({ value: fc.oneof(number, fc.string()) }).map(jsonText),
  fc
    .dictionary(fc.constantFrom(...DANGEROUS_KEYS, 'host'), fc.oneof(fc.string(), fc.integer(), fc.boolean()))
    .map((tags) => objectText(Object.entries(tags).map(([k, v]) => [k, jsonText(v)]))),
  fc
    .array(fc.tuple(fc.constantFrom(...DANGEROUS_KEYS, 'value', 'count'), number), { maxLength: 4 })
    .map((entries) => objectText(entries.map(([k, v]) => [k, jsonText(v)]))),
  fc.constantFrom('"2022-12-31T13:45:59.123456Z"', '"yesterday"', '"+Inf"', '[]', '{}'),
);
/** Valid records that also carry dangerous keys, at the top level and as tags. */
const validRecordText = fc
  .tuple(
    fc.constantFrom('gauge', 'counter'),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.dictionary(fc.constantFrom(...DANGEROUS_KEYS, 'host'), fc.string({ maxLength: 8 })),
    fc.array(fc.tuple(fc.constantFrom(...DANGEROUS_KEYS), valueText), { maxLength: 3 }),
  )
  .map(([kind, value, tags, extra]) =>
    objectText([
      ['name', '"p_valid"'],
      [kind, jsonText({ value })],
      ['tags', objectText(Object.entries(tags).map(([k, v]) => [k, jsonText(v)]))],
      ...extra.filter(([k], i, all) => all.findIndex(([j]) => j === k) === i),
    ]),
  );
/** Record-like JSON objects: the real keys and the dangerous ones, with values of the right and wrong shapes. */
const anyRecordText = fc
  .uniqueArray(fc.tuple(key, valueText), { selector: ([k]) => k, maxLength: 6 })
  .chain((entries) =>
    fc.boolean().map((withName) => (withName ? [['name', '"p_metric"'] as const, ...entries] : entries)),
  )
  .map((entries) => objectText(entries.filter(([k], i, all) => all.findIndex(([j]) => j === k) === i)));
const recordText = fc.oneof(validRecordText, anyRecordText);

describe('POST /metrics never fails on what a client sends', () => {
  it('arbitrary bytes, with each content type', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CONTENT_TYPES),
        fc.uint8Array({ maxLength: 2048 }),
        async (contentType, bytes) => {
          expectWellFormed(await send(contentType, Buffer.from(bytes)));
        },
      ),
      RUNS,
    );
  });

  it('arbitrary bytes declared as gzip or deflate', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CONTENT_TYPES),
        fc.constantFrom('gzip', 'deflate'),
        fc.uint8Array({ maxLength: 512 }),
        fc.boolean(),
        async (contentType, encoding, bytes, realGzipHeader) => {
          // Half the time a real gzip stream with random content or a cut one, to reach deeper into zlib.
          const body = realGzipHeader
            ? gzipSync(bytes).subarray(0, 10 + bytes.length / 2)
            : Buffer.from(bytes);
          expectWellFormed(await send(contentType, body, { 'content-encoding': encoding }));
        },
      ),
      RUNS,
    );
  });

  it('arbitrary JSON values, as JSON and as NDJSON lines', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.jsonValue(), { maxLength: 5 }), async (values) => {
        expectWellFormed(await send('application/json', jsonText(values)), values.length);
        if (values.length > 0) expectWellFormed(await send('application/json', jsonText(values[0])));
        expectWellFormed(await send('application/x-ndjson', values.map(jsonText).join('\n')));
      }),
      RUNS,
    );
  });

  it('arbitrary values as MessagePack', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.anything({
          maxDepth: 4,
          withBigInt: true,
          withDate: true,
          withTypedArray: true,
          withNullPrototype: true,
        }),
        async (value) => {
          let bytes: Uint8Array;
          try {
            bytes = encode(value, { useBigInt64: true });
          } catch {
            return; // a value MessagePack cannot hold (a bigint beyond 64 bits) is no body
          }
          expectWellFormed(await send('application/msgpack', Buffer.from(bytes)));
        },
      ),
      RUNS,
    );
  });

  it('record-like objects with __proto__, constructor and prototype keys, in every format', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(recordText, { minLength: 1, maxLength: 5 }), async (records) => {
        expectWellFormed(await send('application/json', `[${records.join(',')}]`), records.length);
        expectWellFormed(await send('application/x-ndjson', records.join('\n')), records.length);
        // JSON.parse keeps `__proto__` as an own key; the MessagePack decoder refuses such a map.
        const objects = records.map((text) => JSON.parse(text) as unknown);
        expectWellFormed(await send('application/msgpack', Buffer.from(encode(objects))));
      }),
      RUNS,
    );
  });

  it('still answers a valid body after all of that', async () => {
    const answer = await send('application/json', '{"name":"after","gauge":{"value":1}}');
    expect(answer).toEqual({ status: 202, body: '{"accepted":1,"rejected":0,"errors":[]}', published: 1 });
    expectPrototypeUntouched();
  });
});
