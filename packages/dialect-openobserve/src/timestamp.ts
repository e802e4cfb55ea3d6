import { epochToMicros } from '@pipeline/timestamp-rules';
import { describeValue } from './describe-value.js';

/**
 * The sample time in microseconds from `_timestamp` or `@timestamp` (named by `field`), or why it
 * is refused. Missing, null and 0 mean "now", as the seed's data structure (`"_timestamp": 0`) shows.
 */
export function resolveTimestamp(
  field: string,
  value: unknown,
  receivedAtUs: number,
): number | { reason: string } {
  if (value === undefined || value === null || value === 0) return receivedAtUs;
  if (typeof value !== 'number') return { reason: `${field} must be a number, got ${describeValue(value)}` };
  if (value < 0) return { reason: `${field} must not be negative, got ${value}` };
  const micros = epochToMicros(value);
  // Past 2^53 µs (year 2255) the column's Int64 still fits, but the float no longer holds the
  // integer exactly and would be written as 1e+21-style text that the store cannot parse.
  if (micros === undefined || !Number.isSafeInteger(micros)) {
    return { reason: `${field} is out of range, got ${value}` };
  }
  return micros;
}
