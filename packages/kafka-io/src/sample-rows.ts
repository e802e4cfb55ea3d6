import { sampleRowsError } from '@pipeline/sample-model';
import type { OutgoingMessage } from './batching-producer.js';
import { compressBody, inflateValue, LZ4 } from './body-compression.js';
import { headerString } from './headers.js';

/** Headers of a samples message (normalizer → writer). */
export const SAMPLE_HEADERS = {
  /**
   * How the rows are written: `rowbinary-v1` (sample-model's RowBinary) or, in messages of earlier
   * versions, `tsv-v1` (TabSeparated) and `jsoneachrow-v1`.
   */
  encoding: 'encoding',
  /** `lz4` (see body-compression.ts), or absent. */
  compression: 'compression',
  org: 'org',
  /** Rows in the message, so the writer counts without reading them (required with rowbinary-v1). */
  rows: 'rows',
  /**
   * Which tables the rows are for (see `SeriesFeedRole`). Absent in messages of versions before the
   * feed, whose rows are both samples and their own feed.
   */
  seriesFeed: 'series-feed',
} as const;

/**
 * `samples`: rows for sample_rows whose series the normalizer reports in separate `feed` messages.
 * `feed`: the first and last row of each series and day since the last report, for series_feed
 * only; they are copies of rows also sent as samples, so a writer that predates the feed and stores
 * them as samples changes nothing. `both`: a message from before the feed.
 */
export type SeriesFeedRole = 'samples' | 'feed' | 'both';

const ROLE_HEADER: Record<Exclude<SeriesFeedRole, 'both'>, string> = { samples: 'separate', feed: 'only' };

const ENCODINGS = {
  'rowbinary-v1': 'RowBinary',
  'tsv-v1': 'TabSeparated',
  'jsoneachrow-v1': 'JSONEachRow',
} as const;
export type RowFormat = (typeof ENCODINGS)[keyof typeof ENCODINGS];

/**
 * RowBinary rows (sample-model's encoding) for the writer, compressed like raw bodies. `rows` is
 * read once, here, and not kept: it may be a view of a buffer the caller writes again.
 */
export function sampleRowsMessage(
  org: string,
  rows: Buffer,
  count: number,
  role: Exclude<SeriesFeedRole, 'both'> = 'samples',
): OutgoingMessage {
  return {
    key: null,
    value: compressBody(rows),
    headers: {
      [SAMPLE_HEADERS.encoding]: 'rowbinary-v1',
      [SAMPLE_HEADERS.compression]: LZ4,
      [SAMPLE_HEADERS.org]: org,
      [SAMPLE_HEADERS.rows]: String(count),
      [SAMPLE_HEADERS.seriesFeed]: ROLE_HEADER[role],
    },
  };
}

export type SampleRows =
  | { ok: true; format: 'RowBinary'; rows: Buffer; count: number; role: SeriesFeedRole }
  /** Text rows of earlier versions: counted by their newlines where the message does not say. */
  | {
      ok: true;
      format: Exclude<RowFormat, 'RowBinary'>;
      rows: Buffer;
      count: number | undefined;
      role: SeriesFeedRole;
    }
  | { ok: false; error: string };

/** The rows of a samples message, ready to be an INSERT body; a message that is not one says why. */
export function readSampleRows(message: {
  value: Buffer | null;
  headers?: Record<string, unknown>;
}): SampleRows {
  const encoding = headerString(message.headers, SAMPLE_HEADERS.encoding) ?? 'jsoneachrow-v1';
  const format = ENCODINGS[encoding as keyof typeof ENCODINGS] as RowFormat | undefined;
  if (format === undefined)
    return {
      ok: false,
      error: `header ${SAMPLE_HEADERS.encoding} is ${JSON.stringify(encoding)}, not ${Object.keys(ENCODINGS).join(', ')}`,
    };
  const roleText = headerString(message.headers, SAMPLE_HEADERS.seriesFeed);
  const role: SeriesFeedRole | undefined =
    roleText === undefined
      ? 'both'
      : roleText === 'separate'
        ? 'samples'
        : roleText === 'only'
          ? 'feed'
          : undefined;
  if (role === undefined)
    return {
      ok: false,
      error: `header ${SAMPLE_HEADERS.seriesFeed} is ${JSON.stringify(roleText)}, not separate or only`,
    };
  if (message.value === null) return { ok: false, error: 'message has no rows' };
  const compression = headerString(message.headers, SAMPLE_HEADERS.compression);
  const inflated = inflateValue(message.value, compression, SAMPLE_HEADERS.compression);
  if (!inflated.ok) return inflated;
  const rows = inflated.body;
  const countText = headerString(message.headers, SAMPLE_HEADERS.rows);
  const count = countText !== undefined && /^\d+$/.test(countText) ? Number(countText) : undefined;
  if (format !== 'RowBinary') return { ok: true, format, rows, count, role };
  // Binary rows cannot be counted without decoding them; the normalizer always says how many.
  if (count === undefined)
    return {
      ok: false,
      error:
        countText === undefined
          ? `header ${SAMPLE_HEADERS.rows} is missing; rowbinary-v1 rows are counted by it`
          : `header ${SAMPLE_HEADERS.rows} is ${JSON.stringify(countText)}, not a row count`,
    };
  // Whole rows, as many as said, before they join other messages in one INSERT (see sampleRowsError).
  const problem = sampleRowsError(rows, count);
  if (problem !== undefined) return { ok: false, error: `rowbinary-v1 rows: ${problem}` };
  return { ok: true, format, rows, count, role };
}
