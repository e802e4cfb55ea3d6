import { createRequire, Module } from 'node:module';
import type { KafkajsPatchState } from './kafkajs-patch.js';

/**
 * kafkajs checksums every record batch it produces with CRC32C computed in JavaScript, one byte
 * per step (about 0.28 ms per 136 KiB body here): 6-10 % of a receiver's CPU and more in the
 * normalizer, whose batches are bigger. @node-rs/crc32 computes the same checksum with the
 * processor's CRC32 instruction, 15× faster.
 *
 * kafkajs has no option for it, so its checksum module is provided in the CommonJS module cache
 * before kafkajs first loads it (it does so lazily, with the first record batch). kafkajs 2.2.4 is
 * its final release, so the internal path is stable; `native-crc32c.test.ts` fails if it moves.
 */
const require = createRequire(import.meta.url);
const KAFKAJS_CRC32C = 'kafkajs/src/protocol/recordBatch/crc32C/index.js';
const KAFKAJS_RECORD_BATCH = 'kafkajs/src/protocol/recordBatch/v0/index.js';

export type NativeCrc32cState = KafkajsPatchState;

let state: NativeCrc32cState | undefined;

/** Installs the native checksum for kafkajs once per process and says whether it is in use. */
export function useNativeCrc32c(): NativeCrc32cState {
  state ??= install();
  return state;
}

function install(): NativeCrc32cState {
  let crc32c: (input: Uint8Array) => number;
  try {
    ({ crc32c } = require('@node-rs/crc32') as { crc32c: (input: Uint8Array) => number });
  } catch (error) {
    // A platform without a prebuilt binary keeps kafkajs' own (slower, equally correct) checksum.
    return { active: false, reason: `@node-rs/crc32 did not load: ${(error as Error).message}` };
  }
  const path = require.resolve(KAFKAJS_CRC32C);
  const batchPath = require.resolve(KAFKAJS_RECORD_BATCH);
  const cache = require.cache;
  if (cache[batchPath] !== undefined) {
    return { active: false, reason: 'kafkajs had already loaded its own checksum' };
  }
  const module = new Module(path);
  module.filename = path;
  module.loaded = true;
  module.exports = (buffer: Uint8Array) => crc32c(buffer);
  cache[path] = module;
  return { active: true };
}

/** The checksum function kafkajs uses for record batches (for tests). */
export function kafkajsCrc32c(): (buffer: Uint8Array) => number {
  return require(KAFKAJS_CRC32C) as (buffer: Uint8Array) => number;
}
