import lz4 from 'lz4';
import { uncompressSync } from 'lz4-napi';

/**
 * Raw bodies travel LZ4-compressed (block format, uncompressed size prepended, little-endian).
 *
 * Why: kafkajs copies a message about eight times on its way to the socket, each time into a fresh
 * zero-filled buffer of the next power of two; for 140 KiB bodies that is ~2 MiB of short-lived
 * off-heap memory per request, and V8 answers such external memory with full collections (a
 * third of a receiver's CPU). Metrics JSON shrinks ~9× in 0.07 ms per 140 KiB, so every copy, the
 * broker's disk and the normalizer's fetches carry a ninth of the bytes.
 */
export const LZ4 = 'lz4';

/**
 * Compression runs the reference C LZ4 (`lz4`, the 1.9 library behind a small binding): on the
 * bench's bodies it compresses 1.75–1.85× as fast as `lz4-napi`'s lz4_flex, to the same size, and it
 * was the largest single cost of a loaded receiver. Decompression stays with `lz4-napi`: it reads
 * messages anyone with access to the topic could have written, and lz4_flex's decoder is memory-safe
 * Rust where the bundled C decoder predates the fix of CVE-2021-3520.
 *
 * The block is written into a scratch buffer and copied out at its size: a fresh buffer of the
 * input's bound per body would cost fresh pages, and the message would keep all of it alive until
 * Kafka acknowledged. The scratch is reused up to SCRATCH_BYTES, so that one 20 MiB body does not
 * leave a process holding 20 MiB for good.
 */
const SCRATCH_BYTES = 4 * 1024 * 1024;
let scratch = Buffer.allocUnsafeSlow(0);

export function compressBody(body: Buffer): Buffer {
  const need = 4 + lz4.encodeBound(body.length);
  if (need > SCRATCH_BYTES) return compressInto(body, Buffer.allocUnsafeSlow(need));
  if (scratch.length < need)
    scratch = Buffer.allocUnsafeSlow(Math.min(SCRATCH_BYTES, Math.max(need, 2 * scratch.length)));
  return compressInto(body, scratch);
}

function compressInto(body: Buffer, target: Buffer): Buffer {
  const written = lz4.encodeBlock(body, target, 4);
  // 0 means the block did not fit, which the bound rules out; an empty body is one token.
  if (written === 0 && body.length > 0) throw new Error(`LZ4 could not compress ${body.length} bytes`);
  target.writeUInt32LE(body.length, 0);
  return Buffer.from(target.subarray(0, 4 + written));
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
