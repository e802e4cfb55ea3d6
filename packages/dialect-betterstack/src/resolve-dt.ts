import { epochToMicros, parseIsoTimestampToMicros } from '@pipeline/timestamp-rules';
import { MsgpackTimestamp } from './msgpack-codec.js';

export interface ResolvedTime {
  readonly timestampUs: number;
  /** The dt as sent when it could not be parsed, else ''. */
  readonly dtRaw: string;
}

/**
 * A digit string longer than this (after leading zeros) is above 2^53 µs even as nanoseconds, so it
 * is out of range without converting: BigInt() of a multi-megabyte string would take seconds.
 */
const MAX_SIGNIFICANT_DIGITS = 22;

/**
 * Resolves a Better Stack `dt` to microseconds. Upstream keeps a record whose dt it cannot parse and
 * uses the reception time instead, saving the text; so this never fails.
 */
export function resolveDt(dt: unknown, receivedAtUs: number): ResolvedTime {
  if (dt === undefined || dt === null) return { timestampUs: receivedAtUs, dtRaw: '' };
  let micros: number | undefined;
  switch (typeof dt) {
    case 'number':
    case 'bigint':
      micros = epochToMicros(dt);
      return micros === undefined ? { timestampUs: receivedAtUs, dtRaw: String(dt) } : exact(micros);
    case 'string':
      micros = parseDtString(dt);
      return micros === undefined ? { timestampUs: receivedAtUs, dtRaw: dt } : exact(micros);
    default:
      if (dt instanceof MsgpackTimestamp) {
        return dt.micros === undefined ? { timestampUs: receivedAtUs, dtRaw: dt.raw } : exact(dt.micros);
      }
      return { timestampUs: receivedAtUs, dtRaw: stringifyUnparsable(dt) };
  }
}

function exact(timestampUs: number): ResolvedTime {
  return { timestampUs, dtRaw: '' };
}

// The records of one body usually share one dt: the last string and its result are kept.
let lastText: string | undefined;
let lastMicros: number | undefined;

function parseDtString(text: string): number | undefined {
  if (text === lastText) return lastMicros;
  lastMicros = parseFreshDtString(text);
  lastText = text;
  return lastMicros;
}

function parseFreshDtString(text: string): number | undefined {
  const digits = significantDigits(text);
  if (digits === -1) return parseIsoTimestampToMicros(text);
  // Through BigInt so a nanosecond epoch such as "1672490759123456789" is exact.
  return digits <= MAX_SIGNIFICANT_DIGITS ? epochToMicros(BigInt(text)) : undefined;
}

/** Number of digits after leading zeros, or -1 when text is not all ASCII digits. */
function significantDigits(text: string): number {
  if (text.length === 0) return -1;
  let firstNonZero = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    if (firstNonZero === -1 && c !== 0x30) firstNonZero = i;
  }
  return firstNonZero === -1 ? 0 : text.length - firstNonZero;
}

function stringifyUnparsable(dt: unknown): string {
  try {
    // bigint inside an object (from MessagePack) would make JSON.stringify throw.
    const text = JSON.stringify(dt, (_key, value: unknown) =>
      typeof value === 'bigint' ? value.toString() : value,
    );
    return text ?? '';
  } catch {
    // Only a structure nested deeper than the stack gets here; String() would recurse as deep.
    return '[dt nested too deeply to keep]';
  }
}
