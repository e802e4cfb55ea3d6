import { createRequire } from 'node:module';
import type { KafkajsPatchState } from './kafkajs-patch.js';
import { useNativeCrc32c } from './native-crc32c.js';

/**
 * kafkajs encodes a produce request in layers — each header, record, record batch, partition and
 * topic in an encoder of its own that starts with a zero-filled 512-byte buffer and grows by
 * allocating the next power of two — and copies every layer into the next: about thirty buffers
 * and eight copies of each message per request, ~100 µs for one 15 KiB message here
 * (docs/benchmarks.md), a tenth of a loaded receiver. This encoder computes the request's size
 * first and writes it into one buffer, byte for byte what kafkajs writes
 * (`produce-request.test.ts` compares the two on generated requests).
 *
 * It takes the requests the pipeline sends — uncompressed, messages without their own timestamp,
 * keys, values and header values that are strings or buffers — and hands anything else to
 * kafkajs' own encoder. kafkajs loads the module lazily, with the first produce request, and its
 * versions 4 to 7 are version 3 with another number, so replacing version 3 in the CommonJS
 * module cache covers them all; kafkajs 2.2.4 is its final release, so the path holds still.
 */
const require = createRequire(import.meta.url);
const PRODUCE_V3 = 'kafkajs/src/protocol/requests/produce/v3/request.js';
const ENCODER = 'kafkajs/src/protocol/encoder.js';
const LONG = 'kafkajs/src/utils/long.js';
const CRC32C = 'kafkajs/src/protocol/recordBatch/crc32C/index.js';

type HeaderValue = string | Buffer;
interface Message {
  readonly key?: unknown;
  readonly value?: unknown;
  readonly headers?: Record<string, unknown>;
  readonly timestamp?: unknown;
}
interface PartitionData {
  readonly partition: number;
  readonly firstSequence?: number;
  readonly messages: readonly Message[];
}
interface TopicData {
  readonly topic: string;
  readonly partitions: readonly PartitionData[];
}
interface LongValue {
  getHighBits(): number;
  getLowBits(): number;
}
export interface ProduceArgs {
  readonly acks: number;
  readonly timeout: number;
  readonly transactionalId?: string | null;
  readonly producerId?: unknown;
  readonly producerEpoch?: number;
  readonly compression?: number;
  readonly topicData: readonly TopicData[];
}
interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
  /** The bytes written (kafkajs' getter). */
  readonly buffer: Buffer;
}
type ProduceRequest = { encode: () => Promise<KafkajsEncoder> } & Record<string, unknown>;
type ProduceRequestFactory = (args: ProduceArgs) => ProduceRequest;

let state: KafkajsPatchState | undefined;
let kafkajsOwn: ProduceRequestFactory | undefined;

/** Installs the one-buffer produce encoder once per process and says whether it is in use. */
export function useOneBufferProduce(): KafkajsPatchState {
  state ??= install();
  return state;
}

function install(): KafkajsPatchState {
  // The checksum module must be ours before the record batch encoder (which version 3 loads) is.
  useNativeCrc32c();
  const path = require.resolve(PRODUCE_V3);
  if (require.cache[path] !== undefined)
    return { active: false, reason: 'kafkajs had already loaded its produce request' };
  const original = require(path) as ProduceRequestFactory;
  const module = require.cache[path] as NodeJS.Module | undefined;
  if (module === undefined)
    return { active: false, reason: 'kafkajs produce request is not in the module cache' };
  kafkajsOwn = original;
  module.exports = oneBufferProduce(original);
  frameWithoutCopies();
  return { active: true };
}

/**
 * Room left in front of a produce request's bytes for kafkajs' framing: its size (4 bytes), API
 * key, version and correlation id (8), and the client id (2 + its bytes).
 */
const FRAMING_ROOM = 256;
/** Encoders whose bytes lie in a larger buffer with room in front of them: that buffer and where. */
const framed = new WeakMap<object, { readonly whole: Buffer; readonly at: number }>();

/**
 * kafkajs frames every request (`protocol/request.js`) in an encoder of the header that copies the
 * request into itself, then in one of the size that copies that again, each into zero-filled
 * buffers grown by powers of two: two copies of every produce request and its body, ~1.2 % of a
 * loaded receiver. That module cannot be replaced, since kafkajs loads it first; but
 * `writeEncoder` is looked up on the encoders' prototype at each call. So a produce request is
 * written with room in front (encodeProduce), and an encoder that takes it puts its own few bytes
 * into that room and becomes a view of the whole, no request copied: a request of three 25 KB
 * bodies framed in 77–79 µs against 121–126, one in 36 against 49 (docs/benchmarks.md,
 * twenty-fifth round). Anything else, or a framing larger than the room, is copied as kafkajs does.
 */
function frameWithoutCopies(): void {
  const prototype = kafkajsParts().encoderPrototype as {
    writeEncoder(this: KafkajsEncoder, value: KafkajsEncoder): KafkajsEncoder;
  };
  const copying = prototype.writeEncoder;
  prototype.writeEncoder = function (this: KafkajsEncoder, value: KafkajsEncoder): KafkajsEncoder {
    const room = value == null ? undefined : framed.get(value);
    if (room === undefined || this.offset > room.at) return copying.call(this, value);
    const at = room.at - this.offset;
    this.buf.copy(room.whole, at, 0, this.offset);
    this.buf = room.whole.subarray(at);
    this.offset += value.offset;
    // The room is this encoder's now: the request's bytes in front of it hold this one's.
    framed.delete(value);
    framed.set(this, { whole: room.whole, at });
    return this;
  };
}

/** kafkajs' own version 3 produce request, whether or not this encoder replaced it (for tests). */
export function kafkajsProduceRequest(): ProduceRequestFactory {
  return kafkajsOwn ?? (require(PRODUCE_V3) as ProduceRequestFactory);
}

/** kafkajs' version 3 produce request, with the pipeline's requests encoded in one buffer. */
export function oneBufferProduce(original: ProduceRequestFactory): ProduceRequestFactory {
  return (args) => {
    const request = original(args);
    return fitsOneBuffer(args) ? { ...request, encode: async () => encodeProduce(args) } : request;
  };
}

function isBytes(value: unknown): boolean {
  return value == null || typeof value === 'string' || Buffer.isBuffer(value);
}

function isHeaderValue(value: unknown): value is HeaderValue {
  return typeof value === 'string' || Buffer.isBuffer(value);
}

function fitsOneBuffer(args: ProduceArgs): boolean {
  if ((args.compression ?? 0) !== 0) return false;
  for (const topic of args.topicData)
    for (const partition of topic.partitions)
      for (const message of partition.messages) {
        if (message.timestamp != null || !isBytes(message.key) || !isBytes(message.value)) return false;
        const headers = message.headers;
        if (headers === undefined) continue;
        if (headers === null || typeof headers !== 'object') return false;
        for (const key of Object.keys(headers)) {
          const value = headers[key];
          if (Array.isArray(value) ? !value.every(isHeaderValue) : !isHeaderValue(value)) return false;
        }
      }
  return true;
}

/** A 32-bit zigzag varint's value, as kafkajs writes lengths and offsets. */
function zigzag(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

/** Bytes of a zigzag varint. */
function varIntSize(value: number): number {
  let v = zigzag(value);
  let bytes = 1;
  while (v >= 0x80) {
    bytes++;
    v >>>= 7;
  }
  return bytes;
}

function byteLength(value: unknown): number {
  if (value == null) return -1;
  return Buffer.isBuffer(value) ? value.length : Buffer.byteLength(String(value));
}

/** A varint-length-prefixed field: its length (or -1) then its bytes. */
function varBytesSize(length: number): number {
  return varIntSize(length) + Math.max(length, 0);
}

/** A header as written: key, value, and their byte lengths (sized once, written once). */
type SizedHeader = readonly [key: string, value: HeaderValue, keyLength: number, valueLength: number];

function headersOf(message: Message): SizedHeader[] {
  const headers = message.headers;
  if (headers === undefined) return [];
  const list: SizedHeader[] = [];
  const add = (key: string, value: HeaderValue) =>
    list.push([key, value, Buffer.byteLength(key), byteLength(value)]);
  for (const key of Object.keys(headers)) {
    const value = headers[key] as HeaderValue | HeaderValue[];
    if (Array.isArray(value)) for (const one of value) add(key, one);
    else add(key, value);
  }
  return list;
}

interface SizedRecord {
  readonly message: Message;
  readonly headers: SizedHeader[];
  readonly keyLength: number;
  readonly valueLength: number;
  /** The record's body, after its length varint. */
  readonly body: number;
}

/** Fixed part of a record batch after its length field: epoch, magic, CRC, then the checksummed header and the record count. */
const BATCH_HEAD = 4 + 1 + 4 + (2 + 4 + 8 + 8 + 8 + 2 + 4) + 4;

class Writer {
  offset = 0;
  constructor(readonly buf: Buffer) {}

  int8(value: number): void {
    this.buf[this.offset++] = value & 0xff;
  }
  int16(value: number): void {
    this.buf.writeInt16BE(value, this.offset);
    this.offset += 2;
  }
  int32(value: number): void {
    this.buf.writeInt32BE(value, this.offset);
    this.offset += 4;
  }
  int64(value: LongValue): void {
    this.buf.writeInt32BE(value.getHighBits(), this.offset);
    this.buf.writeInt32BE(value.getLowBits(), this.offset + 4);
    this.offset += 8;
  }
  varInt(value: number): void {
    let v = zigzag(value);
    while (v >= 0x80) {
      this.buf[this.offset++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.offset++] = v;
  }
  string(value: string | null | undefined): void {
    if (value == null) {
      this.int16(-1);
      return;
    }
    const length = Buffer.byteLength(value);
    this.int16(length);
    this.offset += this.buf.write(value, this.offset, length, 'utf8');
  }
  /** A varint length (or -1 for null) and the bytes, as kafkajs' writeVarIntBytes/String. */
  varBytes(value: unknown, length: number): void {
    this.varInt(length);
    if (length < 0) return;
    if (Buffer.isBuffer(value)) {
      value.copy(this.buf, this.offset);
      this.offset += length;
    } else this.offset += this.buf.write(String(value), this.offset, length, 'utf8');
  }
}

interface KafkajsParts {
  readonly Long: { fromValue(value: unknown): LongValue; fromInt(value: number): LongValue };
  /** kafkajs' checksum module: the native one when useNativeCrc32c is in effect. */
  readonly crc32c: (bytes: Buffer) => number;
  readonly encoderPrototype: object;
}
let parts: KafkajsParts | undefined;

function kafkajsParts(): KafkajsParts {
  parts ??= {
    Long: require(LONG) as KafkajsParts['Long'],
    crc32c: require(CRC32C) as KafkajsParts['crc32c'],
    encoderPrototype: (require(ENCODER) as { prototype: object }).prototype,
  };
  return parts;
}

function encodeProduce(args: ProduceArgs): KafkajsEncoder {
  const { Long, crc32c, encoderPrototype } = kafkajsParts();
  const producerId = args.producerId === undefined ? Long.fromInt(-1) : Long.fromValue(args.producerId);
  const producerEpoch = args.producerEpoch ?? 0;
  const transactional = args.transactionalId != null && args.transactionalId !== '';

  // Sizes first, so that the request is written once, into a buffer of its size.
  let size = (args.transactionalId == null ? 2 : 2 + Buffer.byteLength(args.transactionalId)) + 2 + 4 + 4;
  const sized: SizedRecord[][][] = [];
  for (const topic of args.topicData) {
    size += 2 + Buffer.byteLength(topic.topic) + 4;
    const partitions: SizedRecord[][] = [];
    for (const partition of topic.partitions) {
      const records: SizedRecord[] = [];
      let batch = BATCH_HEAD;
      partition.messages.forEach((message, index) => {
        const headers = headersOf(message);
        const keyLength = byteLength(message.key);
        const valueLength = byteLength(message.value);
        let body = 1 + 1 + varIntSize(index) + varBytesSize(keyLength) + varBytesSize(valueLength);
        body += varIntSize(headers.length);
        for (const [, , keyLength, valueLength] of headers)
          body += varBytesSize(keyLength) + varBytesSize(valueLength);
        records.push({ message, headers, keyLength, valueLength, body });
        batch += varIntSize(body) + body;
      });
      partitions.push(records);
      // partition, the batch's size, its first offset and length, the batch.
      size += 4 + 4 + 8 + 4 + batch;
    }
    sized.push(partitions);
  }

  const whole = Buffer.allocUnsafe(FRAMING_ROOM + size);
  const w = new Writer(whole.subarray(FRAMING_ROOM));
  w.string(args.transactionalId);
  w.int16(args.acks);
  w.int32(args.timeout);
  w.int32(args.topicData.length);
  args.topicData.forEach((topic, t) => {
    w.string(topic.topic);
    w.int32(topic.partitions.length);
    topic.partitions.forEach((partition, p) => {
      const records = (sized[t] as SizedRecord[][])[p] as SizedRecord[];
      const now = Date.now();
      const now64 = Long.fromValue(now);
      const sizeAt = w.offset;
      w.int32(partition.partition);
      w.int32(0); // the batch's size, known once it is written
      w.int64(Long.fromInt(0)); // first offset
      w.int32(0); // the batch's length
      const batchStart = w.offset;
      w.int32(0); // partition leader epoch
      w.int8(2); // magic
      const crcAt = w.offset;
      w.int32(0);
      const checked = w.offset;
      w.int16(transactional ? 16 : 0);
      w.int32(records.length - 1); // last offset delta
      w.int64(now64); // first timestamp
      w.int64(now64); // max timestamp
      w.int64(producerId);
      w.int16(producerEpoch);
      w.int32(partition.firstSequence ?? 0);
      w.int32(records.length);
      records.forEach((record, index) => {
        w.varInt(record.body);
        w.int8(0); // attributes
        w.int8(0); // timestamp delta: every record has the batch's time
        w.varInt(index);
        w.varBytes(record.message.key, record.keyLength);
        w.varBytes(record.message.value, record.valueLength);
        w.varInt(record.headers.length);
        for (const [key, value, keyLength, valueLength] of record.headers) {
          w.varBytes(key, keyLength);
          w.varBytes(value, valueLength);
        }
      });
      w.buf.writeInt32BE(w.offset - (sizeAt + 8), sizeAt + 4);
      w.buf.writeInt32BE(w.offset - batchStart, batchStart - 4);
      w.buf.writeUInt32BE(crc32c(w.buf.subarray(checked, w.offset)) >>> 0, crcAt);
    });
  });
  if (w.offset !== size) throw new Error(`produce request: wrote ${w.offset} bytes, sized ${size}`);
  const encoder = Object.create(encoderPrototype) as KafkajsEncoder;
  encoder.buf = w.buf;
  encoder.offset = w.offset;
  framed.set(encoder, { whole, at: FRAMING_ROOM });
  return encoder;
}
