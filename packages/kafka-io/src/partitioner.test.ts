import { createRequire } from 'node:module';
import fc from 'fast-check';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { keyHashPartitioner, murmur2 } from './partitioner.js';

const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (
  key: Buffer | string,
) => number;

const partitions = (count: number, leaderless: readonly number[] = []): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : 1,
    replicas: [1],
    isr: [1],
  }));

describe('murmur2', () => {
  it("gives Kafka's own test vectors (UtilsTest.testMurmur2)", () => {
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of cases) expect([key, murmur2(Buffer.from(key))]).toEqual([key, hash]);
  });

  it("agrees with kafkajs' for any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(murmur2(bytes)).toBe(kafkajsMurmur2(Buffer.from(bytes)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('keyHashPartitioner', () => {
  it("sends a keyed message where kafkajs' DefaultPartitioner does, the first time and again", () => {
    const ours = keyHashPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
        ),
        fc.integer({ min: 1, max: 64 }),
        (key, count) => {
          const args = { topic: 't', partitionMetadata: partitions(count), message: { key, value: null } };
          const expected = theirs(args);
          expect(ours(args)).toBe(expected);
          expect(ours(args)).toBe(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('keeps a partition the message names', () => {
    const ours = keyHashPartitioner();
    const message = { key: 'org', value: null, partition: 5 };
    expect(ours({ topic: 't', partitionMetadata: partitions(8), message })).toBe(5);
  });

  it('spreads messages without a key evenly over the partitions that have a leader', () => {
    const ours = keyHashPartitioner();
    const metadata = partitions(6, [1, 4]);
    const counts = new Map<number, number>();
    for (let i = 0; i < 400; i++) {
      const p = ours({ topic: 't', partitionMetadata: metadata, message: { key: null, value: null } });
      counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    expect([...counts].sort((a, b) => a[0] - b[0])).toEqual([
      [0, 100],
      [2, 100],
      [3, 100],
      [5, 100],
    ]);
  });

  it('spreads them over all partitions when none has a leader', () => {
    const ours = keyHashPartitioner();
    const metadata = partitions(3, [0, 1, 2]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 300; i++)
      counts[ours({ topic: 't', partitionMetadata: metadata, message: { key: null, value: null } })]!++;
    expect(counts).toEqual([100, 100, 100]);
  });
});
