import { Decoder, EXT_TIMESTAMP, ExtensionCodec } from '@msgpack/msgpack';

/**
 * A MessagePack timestamp extension value. The library's own decoder turns it into a JS Date and
 * loses everything below the millisecond, so it is decoded here to exact microseconds.
 */
export class MsgpackTimestamp {
  /**
   * @param micros microseconds since the epoch, or undefined when the value is not a time this
   *   pipeline can store (before 1970, beyond 2^53 µs, nanoseconds out of range, wrong size)
   * @param raw the value as text, kept as `dt_raw` when micros is undefined
   */
  constructor(
    readonly micros: number | undefined,
    readonly raw: string,
  ) {}
}

const NS_PER_SECOND_LIMIT = 999_999_999;
const MAX_SAFE_SECONDS = BigInt(Math.floor(Number.MAX_SAFE_INTEGER / 1_000_000));

function fromParts(seconds: number, nanoseconds: number): MsgpackTimestamp {
  const micros = seconds * 1_000_000 + Math.floor(nanoseconds / 1000);
  const valid = nanoseconds <= NS_PER_SECOND_LIMIT && seconds >= 0 && Number.isSafeInteger(micros);
  return valid
    ? new MsgpackTimestamp(micros, '')
    : new MsgpackTimestamp(undefined, `{"sec":${seconds},"nsec":${nanoseconds}}`);
}

/** Decodes all three sizes of the timestamp extension (msgpack spec); never throws. */
export function decodeTimestampExtension(data: Uint8Array): MsgpackTimestamp {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  switch (data.byteLength) {
    case 4:
      return fromParts(view.getUint32(0), 0);
    case 8: {
      const high = view.getUint32(0);
      return fromParts((high & 0x3) * 0x1_0000_0000 + view.getUint32(4), high >>> 2);
    }
    case 12: {
      const nanoseconds = view.getUint32(0);
      const seconds = view.getBigInt64(4);
      // int64 seconds: only the range that fits 2^53 µs goes through a double.
      if (seconds < 0n || seconds > MAX_SAFE_SECONDS) {
        return new MsgpackTimestamp(undefined, `{"sec":${seconds},"nsec":${nanoseconds}}`);
      }
      return fromParts(Number(seconds), nanoseconds);
    }
    default:
      return new MsgpackTimestamp(undefined, `{"ext":-1,"data":"${Buffer.from(data).toString('hex')}"}`);
  }
}

const extensionCodec = new ExtensionCodec();
extensionCodec.register({ type: EXT_TIMESTAMP, encode: () => null, decode: decodeTimestampExtension });

export type MsgpackDecodeResult = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Decodes one MessagePack value. 64-bit integers come back as bigint so nanosecond epochs stay exact.
 * No string, array or map can be longer than the body, so the limits stop a forged length early.
 * The library refuses a `__proto__` map key (DecodeError) rather than assigning it, so a decoded map
 * can never have had its prototype replaced.
 */
export function decodeMsgpack(body: Uint8Array): MsgpackDecodeResult {
  const limit = body.byteLength;
  const decoder = new Decoder({
    extensionCodec,
    useBigInt64: true,
    maxStrLength: limit,
    maxBinLength: limit,
    maxArrayLength: limit,
    maxMapLength: limit,
    maxExtLength: limit,
  });
  try {
    return { ok: true, value: decoder.decode(body) };
  } catch (error) {
    return { ok: false, error: `invalid MessagePack: ${decodeErrorMessage(error)}` };
  }
}

function decodeErrorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // A body cut inside a number surfaces as DataView's bounds error; say what it means.
  return error instanceof RangeError && error.message.startsWith('Offset is outside')
    ? 'Insufficient data'
    : error.message;
}
