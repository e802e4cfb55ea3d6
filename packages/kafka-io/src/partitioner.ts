import { randomBytes } from 'node:crypto';
import type { ICustomPartitioner } from 'kafkajs';

/**
 * kafkajs' DefaultPartitioner, the same partition for every message, at a fraction of its cost.
 *
 * Why: it hashes a message's key with a murmur2 written in 64-bit `Long` objects, on every
 * message, and filters the topic's partitions into a new array for each: ~0.8 % of a loaded
 * receiver, whose OpenObserve messages all carry their org as the key (docs/benchmarks.md,
 * twenty-fifth round). Here the hash is 32-bit arithmetic, as Java's client computes it, and
 * remembered per key. The partitions must stay the ones the Java client and kafkajs choose: an
 * org's payloads go to one partition, so that one normalizer at a time decides its streams' first
 * types, and receivers of two versions side by side in a rolling upgrade must agree.
 */
export const keyHashPartitioner: ICustomPartitioner = () => {
  const counters = new Map<string, number>();
  const hashes = new Map<string, number>();
  return ({ topic, partitionMetadata, message }) => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    const key = message.key;
    if (key !== null && key !== undefined) {
      let hash = typeof key === 'string' ? hashes.get(key) : undefined;
      if (hash === undefined) {
        hash = murmur2(Buffer.isBuffer(key) ? key : Buffer.from(String(key))) & 0x7fffffff;
        if (typeof key === 'string') {
          // Keys are few (orgs); a bound all the same, for a client that sends a new one each time.
          if (hashes.size >= MAX_KEYS) hashes.clear();
          hashes.set(key, hash);
        }
      }
      return hash % partitionMetadata.length;
    }
    // Without a key: round robin over the partitions that have a leader, from a random start.
    let counter = counters.get(topic) ?? randomBytes(4).readUInt32BE(0);
    counters.set(topic, ++counter);
    let available = 0;
    for (const p of partitionMetadata) if (p.leader >= 0) available++;
    if (available === 0) return (counter & 0x7fffffff) % partitionMetadata.length;
    let nth = (counter & 0x7fffffff) % available;
    for (const p of partitionMetadata) if (p.leader >= 0 && nth-- === 0) return p.partitionId;
    throw new Error('unreachable: fewer partitions with a leader than counted');
  };
};

const MAX_KEYS = 10_000;

const M = 0x5bd1e995;

/** Java's `Utils.murmur2` (Kafka's key hash) of `data`: a signed 32-bit int, as Java's is. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const end = length & ~3;
  for (let i = 0; i < end; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The last one to three bytes, as Java's switch falls through them.
  const rest = length & 3;
  if (rest === 3) h ^= data[end + 2]! << 16;
  if (rest >= 2) h ^= data[end + 1]! << 8;
  if (rest >= 1) h = Math.imul(h ^ data[end]!, M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}
