export const DIALECTS = ['betterstack', 'openobserve'] as const;

/** The public API a payload arrived through. */
export type Dialect = (typeof DIALECTS)[number];

export function isDialect(value: unknown): value is Dialect {
  return typeof value === 'string' && (DIALECTS as readonly string[]).includes(value);
}

/** A record of a payload that a dialect refused, with the reason shown to the client and dead-lettered. */
export interface RejectedRecord {
  /** Position of the record in the payload (array index or NDJSON line among records). */
  readonly index: number;
  readonly reason: string;
  /** The record as decoded, for the dead-letter topic. */
  readonly record: unknown;
}
