import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import lz4 from 'lz4';
import { compressSync } from 'lz4-napi';
import { describe, expect, it } from 'vitest';
import { compressBody, decompressBody } from './body-compression.js';

/** Buffer.equals: vitest's deep equality walks a megabyte buffer byte by byte, for seconds. */
function inflatesTo(compressed: Buffer, body: Buffer): boolean {
  const inflated = decompressBody(compressed);
  return inflated.ok && inflated.body.equals(body);
}

describe('LZ4 bodies', () => {
  it('round-trip empty, tiny, incompressible and repetitive bodies, the size first', () => {
    const bodies = [
      Buffer.alloc(0),
      Buffer.from('a'),
      randomBytes(100_000),
      Buffer.from('x'.repeat(300_000)),
      // Beyond the reused scratch buffer.
      Buffer.from('{"name":"cpu","dt":1700000000},'.repeat(200_000)),
      Buffer.from('{"name":"cpu","gauge":{"value":1}},'.repeat(5_000)),
    ];
    for (const body of bodies) {
      const compressed = compressBody(body);
      expect(compressed.readUInt32LE(0)).toBe(body.length);
      expect(inflatesTo(compressed, body)).toBe(true);
    }
  });

  it('hand out blocks that a later compression does not overwrite', () => {
    const first = Buffer.from('first body '.repeat(1_000));
    const compressed = compressBody(first);
    const copy = Buffer.from(compressed);
    compressBody(Buffer.from('a larger second body that reuses the scratch '.repeat(10_000)));
    expect(compressed.equals(copy)).toBe(true);
    expect(inflatesTo(compressed, first)).toBe(true);
  });

  it('hand out blocks of many bodies in a row, across shared buffers, each exactly its block', () => {
    // ~2 MiB of blocks: more than one slab's worth, with bodies of every size up to the largest a slab takes.
    const bodies = Array.from({ length: 120 }, (_, i) =>
      Buffer.concat([randomBytes(1 + ((i * 2_731) % 250_000)), Buffer.from(`body ${i}`)]),
    );
    const blocks = bodies.map((body) => compressBody(body));
    bodies.forEach((body, i) => {
      const block = blocks[i]!;
      expect(block.readUInt32LE(0)).toBe(body.length);
      // The block alone, without a neighbour's bytes: what Kafka is given is its length.
      const alone = Buffer.alloc(lz4.encodeBound(body.length));
      expect(block.subarray(4).equals(alone.subarray(0, lz4.encodeBlock(body, alone)))).toBe(true);
      expect(inflatesTo(block, body)).toBe(true);
    });
  });

  it('write what lz4-napi reads, and read what it wrote before (messages already in Kafka)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4_096 }), fc.nat(50), (bytes, repeat) => {
        const body = Buffer.concat(Array.from({ length: repeat + 1 }, () => Buffer.from(bytes)));
        expect(decompressBody(compressBody(body))).toEqual({ ok: true, body });
        expect(decompressBody(compressSync(body))).toEqual({ ok: true, body });
      }),
    );
  });

  it('refuse a block whose size prefix lies or that is cut short', () => {
    const body = Buffer.from('abc'.repeat(1_000));
    const compressed = compressBody(body);
    const lying = Buffer.from(compressed);
    lying.writeUInt32LE(body.length + 1, 0);
    expect(decompressBody(lying).ok).toBe(false);
    expect(decompressBody(compressed.subarray(0, compressed.length - 3)).ok).toBe(false);
    expect(decompressBody(compressed.subarray(0, 3))).toEqual({
      ok: false,
      error: 'LZ4 body is shorter than its size prefix',
    });
  });
});
