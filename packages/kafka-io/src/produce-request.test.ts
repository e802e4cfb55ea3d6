import { createRequire } from 'node:module';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  kafkajsProduceRequest,
  oneBufferProduce,
  type ProduceArgs,
  useOneBufferProduce,
} from './produce-request.js';

const require = createRequire(import.meta.url);
const Long = require('kafkajs/src/utils/long.js') as { fromValue(v: unknown): unknown };

async function encoded(
  factory: (args: ProduceArgs) => { encode: () => Promise<{ buffer: Buffer }> },
  args: ProduceArgs,
) {
  return (await factory(args).encode()).buffer;
}

const bytes = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
);
const headerValue = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b)),
);
const message = fc.record(
  {
    key: bytes,
    value: fc.oneof(
      bytes,
      fc.uint8Array({ minLength: 100, maxLength: 20_000 }).map((b) => Buffer.from(b)),
    ),
    headers: fc.dictionary(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
      fc.oneof(headerValue, fc.array(headerValue, { maxLength: 3 })),
      { maxKeys: 12 },
    ),
  },
  { requiredKeys: ['value'] },
);
const produceArgs: fc.Arbitrary<ProduceArgs> = fc.record(
  {
    acks: fc.constantFrom(-1, 0, 1),
    timeout: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    transactionalId: fc.oneof(fc.constant(null), fc.constant(''), fc.string({ maxLength: 20 })),
    producerId: fc.bigInt({ min: -1n, max: 2n ** 62n }).map((id) => Long.fromValue(id)),
    producerEpoch: fc.integer({ min: 0, max: 32_767 }),
    topicData: fc.array(
      fc.record({
        topic: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
        partitions: fc.array(
          fc.record(
            {
              partition: fc.nat(1000),
              firstSequence: fc.nat(2 ** 31 - 1),
              messages: fc.array(message, { maxLength: 6 }),
            },
            { requiredKeys: ['partition', 'messages'] },
          ),
          { maxLength: 4 },
        ),
      }),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: ['acks', 'timeout', 'topicData'] },
);

describe('produce requests in one buffer', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('replace kafkajs’ version 3 produce request before kafkajs loads it', () => {
    expect(useOneBufferProduce()).toEqual({ active: true });
    expect(require('kafkajs/src/protocol/requests/produce/v3/request.js')).not.toBe(kafkajsProduceRequest());
  });

  it('are byte for byte what kafkajs encodes, for any request of uncompressed messages without timestamps', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_764_900_000_123);
    const own = kafkajsProduceRequest();
    const ours = oneBufferProduce(own);
    await fc.assert(
      fc.asyncProperty(produceArgs, async (args) => {
        expect((await encoded(ours, args)).equals(await encoded(own, args))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('are what kafkajs encodes for the receiver’s messages: LZ4 bodies, ten headers, keys or none', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_764_900_000_456);
    const own = kafkajsProduceRequest();
    const body = Buffer.alloc(15_000, 7);
    const headers = {
      encoding: 'lz4',
      dialect: 'openobserve',
      org: 'acme',
      'received-at-us': '1764900000456000',
    };
    const args: ProduceArgs = {
      acks: -1,
      timeout: 30_000,
      producerId: Long.fromValue(4000),
      producerEpoch: 0,
      topicData: [
        {
          topic: 'pipeline.raw',
          partitions: [
            { partition: 3, firstSequence: 17, messages: [{ key: 'acme', value: body, headers }] },
            {
              partition: 1,
              firstSequence: 0,
              messages: [
                { key: null, value: body, headers },
                { value: body, headers },
              ],
            },
          ],
        },
      ],
    };
    const buffer = await encoded(oneBufferProduce(own), args);
    expect(buffer.equals(await encoded(own, args))).toBe(true);
    // The layout the broker reads: transactional id (null), acks, timeout, one topic.
    expect(buffer.readInt16BE(0)).toBe(-1);
    expect(buffer.readInt16BE(2)).toBe(-1);
    expect(buffer.readInt32BE(4)).toBe(30_000);
    expect(buffer.readInt32BE(8)).toBe(1);
  });

  it('leave to kafkajs what they do not encode: compression, timestamps, numbers as keys', async () => {
    const own = kafkajsProduceRequest();
    const ours = oneBufferProduce(own);
    const base = { acks: -1, timeout: 1000 };
    const topic = (message: object) => [{ topic: 't', partitions: [{ partition: 0, messages: [message] }] }];
    for (const args of [
      { ...base, compression: 1, topicData: topic({ value: 'v' }) },
      { ...base, topicData: topic({ value: 'v', timestamp: 1_700_000_000_000 }) },
      { ...base, topicData: topic({ value: 'v', headers: { h: 5 } }) },
      { ...base, topicData: topic({ value: 'v', headers: null }) },
    ] as ProduceArgs[]) {
      expect(ours(args).encode.toString()).toBe(own(args).encode.toString());
    }
    const fits = ours({ ...base, topicData: topic({ value: 'v' }) });
    expect(fits.encode.toString()).not.toBe(
      own({ ...base, topicData: topic({ value: 'v' }) }).encode.toString(),
    );
  });

  it('are framed by kafkajs’ request.js into the bytes it frames its own into, without a copy', async () => {
    expect(useOneBufferProduce()).toEqual({ active: true });
    vi.spyOn(Date, 'now').mockReturnValue(1_764_900_000_789);
    type Framed = { buffer: Buffer };
    const frame = require('kafkajs/src/protocol/request.js') as (args: {
      correlationId: number;
      clientId: string;
      request: object;
    }) => Promise<Framed>;
    const own = kafkajsProduceRequest();
    const ours = oneBufferProduce(own);
    await fc.assert(
      fc.asyncProperty(
        produceArgs,
        // Client ids past the room left in front of a request (256 bytes) are framed by copying.
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 40 }),
          fc.string({ minLength: 230, maxLength: 300 }),
        ),
        fc.nat(2 ** 31 - 1),
        async (args, clientId, correlationId) => {
          let payload: { buf: Buffer; offset: number } | undefined;
          const request = ours(args);
          const encode = request.encode as () => Promise<{ buf: Buffer; offset: number }>;
          const watched = {
            ...request,
            encode: async () => {
              payload = await encode();
              return payload;
            },
          };
          const a = (await frame({ correlationId, clientId, request: watched })).buffer;
          const b = (await frame({ correlationId, clientId, request: own(args) })).buffer;
          expect(a.equals(b)).toBe(true);
          if (14 + Buffer.byteLength(clientId) <= 256) {
            // The framed request ends where the produce request's own bytes do, in their memory.
            expect(a.buffer).toBe(payload!.buf.buffer);
            expect(a.byteOffset + a.length).toBe(payload!.buf.byteOffset + payload!.offset);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
