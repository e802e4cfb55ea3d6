import lz4 from 'lz4';
import { uncompressSync } from 'lz4-napi';

/**
 * Raw bodies travel LZ4-compressed (block format, uncompressed size prepended, little-endian).
 *
 * Why: metrics JSON shrinks ~9× in ~0.06 ms per 140 KiB, so the produce request's copy, the socket,
 * the broker's disk and the normalizer's fetches carry a ninth of the bytes. It was first taken
 * because kafkajs copied a message about eight times into fresh power-of-two buffers, ~2 MiB of
 * off-heap garbage per 140 KiB body that V8 answered with full collections. produce-request.ts now
 * writes a request once, and compression still pays: without it a receiver accepted 32–41 % fewer
 * samples/s (docs/benchmarks.md, fifteenth round).
 */
export const LZ4 = 'lz4';

/**
 * Compression runs the reference C LZ4 (npm `lz4`: LZ4 1.9.2 behind a small binding): on the
 * bench's bodies it compresses 1.75–1.85× as fast as `lz4-napi`'s lz4_flex, to the same size, and it
 * was the largest single cost of a loaded receiver. Decompression stays with `lz4-napi`: it reads
 * messages anyone with access to the topic could have written, and lz4_flex's decoder is memory-safe
 * Rust where the bundled C decoder predates the fix of CVE-2021-3520.
 *
 * Blocks of bodies up to SLAB_BLOCK_BYTES are written one after another into a shared slab and
 * handed out as views of it: one allocation per slab instead of one, and a copy, per body (the
 * copy and its fresh buffer were ~2 % of a loaded receiver's profile; compressBody alone took
 * 0.97–0.98x the CPU, docs/benchmarks.md, twenty-fifth round). A slab lives while any message in
 * it does, which is until Kafka acknowledges it; its last bound's worth of bytes may go unused.
 * A larger block is written into a scratch buffer and copied out at its size: a fresh buffer of
 * the input's bound would cost fresh pages, and the message would keep all of it alive until
 * Kafka acknowledged. The scratch is reused up to SCRATCH_BYTES, so that one 20 MiB body does not
 * leave a process holding 20 MiB for good.
 */
const SLAB_BYTES = 2 * 1024 * 1024;
const SLAB_BLOCK_BYTES = SLAB_BYTES / 8;
const SCRATCH_BYTES = 4 * 1024 * 1024;
let slab = Buffer.allocUnsafeSlow(0);
let slabUsed = 0;
let scratch = Buffer.allocUnsafeSlow(0);

export function compressBody(body: Buffer): Buffer {
  const need = 4 + lz4.encodeBound(body.length);
  if (need <= SLAB_BLOCK_BYTES) {
    if (slab.length - slabUsed < need) {
      slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      slabUsed = 0;
    }
    const at = slabUsed;
    slabUsed += compressInto(body, slab, at, need);
    return slab.subarray(at, slabUsed);
  }
  if (need > SCRATCH_BYTES) return copyOut(body, Buffer.allocUnsafeSlow(need));
  if (scratch.length < need)
    scratch = Buffer.allocUnsafeSlow(Math.min(SCRATCH_BYTES, Math.max(need, 2 * scratch.length)));
  return copyOut(body, scratch);
}

function copyOut(body: Buffer, target: Buffer): Buffer {
  return Buffer.from(target.subarray(0, compressInto(body, target, 0, target.length)));
}

/** Writes body's block at target[at, at + room), its size first; returns the block's length. */
function compressInto(body: Buffer, target: Buffer, at: number, room: number): number {
  const written = lz4.encodeBlock(body, target, at + 4, at + room);
  // 0 means the block did not fit, which the bound rules out; an empty body is one token.
  if (written === 0 && body.length > 0) throw new Error(`LZ4 could not compress ${body.length} bytes`);
  target.writeUInt32LE(body.length, at);
  return 4 + written;
}

/** Largest body a raw message may inflate to; a forged size must not allocate gigabytes. */
export const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

export type Inflated = { ok: true; body: Buffer } | { ok: false; error: string };

export function decompressBody(compressed: Buffer): Inflated {
  if (compressed.length < 4) return { ok: false, error: 'LZ4 body is shorter than its size prefix' };
  const size = compressed.readUInt32LE(0);
  if (size > MAX_INFLATED_BYTES)
    return { ok: false, error: `LZ4 body claims ${size} bytes, more than ${MAX_INFLATED_BYTES}` };
  try {
    const body = uncompressSync(compressed);
    return body.length === size
      ? { ok: true, body }
      : { ok: false, error: `LZ4 body inflated to ${body.length} bytes, not the ${size} it claims` };
  } catch (error) {
    return { ok: false, error: `LZ4 body does not decompress: ${(error as Error).message}` };
  }
}

/** A message's value as it was before compression: `compression` is the header `header` says (LZ4 or none). */
export function inflateValue(value: Buffer, compression: string | undefined, header: string): Inflated {
  if (compression === undefined) return { ok: true, body: value };
  if (compression === LZ4) return decompressBody(value);
  return { ok: false, error: `header ${header} is ${JSON.stringify(compression)}, not ${LZ4}` };
}
