import { MsgpackTimestamp } from './msgpack-codec.js';

/**
 * True for objects that came from a JSON object or a MessagePack map. Class instances that the
 * MessagePack decoder produces (binary, extensions, timestamps) are not records, tags or metric bodies.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** What a decoded value is, in the words a client understands. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value !== 'object') return typeof value;
  if (ArrayBuffer.isView(value)) return 'binary';
  if (value instanceof MsgpackTimestamp) return 'timestamp';
  return isPlainObject(value) ? 'object' : 'extension';
}

/**
 * A finite number, or undefined. MessagePack int64/uint64 arrive as bigint (decoded that way so an
 * exact nanosecond `dt` survives); as metric values they are just numbers.
 */
export function toFiniteNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

const MAX_KEY_IN_REASON = 100;

/** Keeps a reason short when a client sends a huge key. */
export function keyForReason(key: string): string {
  return key.length <= MAX_KEY_IN_REASON ? key : `${key.slice(0, MAX_KEY_IN_REASON)}…`;
}
