import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { kafkajsCrc32c, useNativeCrc32c } from './native-crc32c.js';

const require = createRequire(import.meta.url);

// kafkajs' own JavaScript implementation, loaded directly from its file (not through the cache entry).
const jsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (b: Uint8Array) => number;

describe('native CRC32C for kafkajs', () => {
  it('is installed before kafkajs loads its record batch encoder', () => {
    expect(useNativeCrc32c()).toEqual({ active: true });
    // The encoder kafkajs builds batches with now resolves our module.
    require('kafkajs/src/protocol/recordBatch/v0/index.js');
    expect(kafkajsCrc32c()).not.toBe(jsCrc32c);
  });

  it('gives the CRC32C check values of RFC 3720 and agrees with kafkajs on random bytes', () => {
    useNativeCrc32c();
    const crc = kafkajsCrc32c();
    expect(crc(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc(Buffer.alloc(0))).toBe(0);
    for (const size of [1, 7, 8, 63, 4096, 136 * 1024 + 3]) {
      const bytes = Buffer.alloc(size);
      for (let i = 0; i < size; i++) bytes[i] = (i * 2654435761) >>> 24;
      expect(crc(bytes)).toBe(jsCrc32c(bytes) >>> 0);
    }
  });

  it('checksums a record batch the way the broker verifies it', async () => {
    useNativeCrc32c();
    const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
      RecordBatch: (opts: { records: unknown[] }) => Promise<{ buffer: Buffer }>;
    };
    const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: object) => unknown;
    const batch = (
      await RecordBatch({ records: [Record({ key: null, value: Buffer.from('{"a":1}'), headers: {} })] })
    ).buffer;
    // Layout: baseOffset(8) length(4) partitionLeaderEpoch(4) magic(1) crc(4), then the checksummed part.
    const stored = batch.readUInt32BE(8 + 4 + 4 + 1);
    expect(stored).toBe(jsCrc32c(batch.subarray(8 + 4 + 4 + 1 + 4)) >>> 0);
    expect(stored).not.toBe(0);
  });
});
