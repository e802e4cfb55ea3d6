/**
 * OpenObserve's thresholds (CONTRACT.md §2), used by both dialects: a number above each bound is
 * taken to be in the next finer unit. 3.1536e10 s is about year 2969, so seconds stay unambiguous.
 */
/** Below Int64's maximum and below 1e21, where JavaScript starts printing numbers with an exponent. */
const MAX_INT64_MICROS = 9.2e18;

export const EPOCH_THRESHOLDS = {
  nanoseconds: 3.1536e16,
  microseconds: 3.1536e13,
  milliseconds: 3.1536e10,
} as const;

/**
 * Converts an epoch number of unknown unit to integer microseconds, truncating finer digits.
 * Returns undefined for non-finite or negative numbers: no supported client sends pre-1970 times.
 *
 * Nanosecond epochs (> 3.1536e16) are all above 2^53, so a JSON or float value has already been
 * rounded to a multiple of 256 ns: it is rounded (not truncated) to the microsecond, so that a
 * µs-aligned value such as 1672490759123456000 comes back exact whichever neighbour it landed on.
 * Exact nanoseconds travel as digit strings or MessagePack uint64, which callers pass as bigint.
 */
export function epochToMicros(value: number | bigint): number | undefined {
  if (typeof value === 'bigint') return bigEpochToMicros(value);
  const micros = numberToMicros(value);
  // Storage is Int64 µs; past it (or printed as 1e+297) one sample would break the whole insert.
  return micros !== undefined && micros <= MAX_INT64_MICROS ? micros : undefined;
}

function numberToMicros(value: number): number | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  if (value > EPOCH_THRESHOLDS.nanoseconds) {
    return Math.round(value / 1000);
  }
  if (value > EPOCH_THRESHOLDS.microseconds) return Math.floor(value);
  // A fractional millisecond has no more than float precision left: nearest µs is the honest answer.
  if (value > EPOCH_THRESHOLDS.milliseconds) return Math.round(value * 1000);
  // Seconds with a fraction: go through the decimal text so 1672490759.123456 is not 1672490759123455.
  return Number.isInteger(value) ? value * 1_000_000 : fractionalSecondsToMicros(value);
}

function fractionalSecondsToMicros(seconds: number): number {
  const text = seconds.toFixed(6);
  const dot = text.indexOf('.');
  return Number(text.slice(0, dot)) * 1_000_000 + Number(text.slice(dot + 1));
}

/** Exact path for integers that did not go through a double (digit strings, MessagePack uint64). */
function bigEpochToMicros(value: bigint): number | undefined {
  if (value < 0n) return undefined;
  if (value <= BigInt(Number.MAX_SAFE_INTEGER)) return epochToMicros(Number(value));
  const micros = value / 1000n; // above 2^53 only nanoseconds are possible: truncate exactly
  return micros <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(micros) : undefined;
}
