import { type OutgoingMessage, type RawPayload, sampleRowsMessage } from '@pipeline/kafka-io';
import {
  type RejectedRecord,
  type Sample,
  SampleRowWriter,
  type SampleSink,
  type SeriesEntry,
  type SeriesFeed,
} from '@pipeline/sample-model';

// One writer per process: its buffer is reused from payload to payload.
const rowWriter = new SampleRowWriter();
// The feed's rows are written from the same series cache, with a buffer of their own.
const feedWriter = new SampleRowWriter(rowWriter.cache, 64 * 1024);

/**
 * One payload's samples as messages of RowBinary rows, about maxBytes of rows each at most (a row
 * is never split); each sample is noted in `feed`, which reports its series separately. Series
 * are the row cache's entries, so a dialect that knows a record's series already (record-shapes)
 * adds its rows without a lookup.
 */
export class SampleRows implements SampleSink<SeriesEntry> {
  readonly #messages: OutgoingMessage[] = [];

  constructor(
    readonly org: string,
    readonly maxBytes: number,
    readonly feed: SeriesFeed,
  ) {}

  seriesOf(sample: Sample): SeriesEntry {
    return rowWriter.cache.entryOf(this.org, sample);
  }

  add(entry: SeriesEntry, timestampUs: number, value: number, dtRaw: string): void {
    this.feed.noteRow(entry, timestampUs, value, dtRaw);
    rowWriter.writeRow(entry.prefix, timestampUs, value, dtRaw);
    if (rowWriter.byteLength >= this.maxBytes) this.#cut();
  }

  addSamples(samples: readonly Sample[]): void {
    for (const sample of samples)
      this.add(this.seriesOf(sample), sample.timestampUs, sample.value, sample.dtRaw);
  }

  /** Drops every row added (the payload is dead-lettered instead). */
  discard(): void {
    rowWriter.takeView();
    this.#messages.length = 0;
  }

  /** The messages of every row added. */
  finish(): OutgoingMessage[] {
    if (rowWriter.rows > 0) this.#cut();
    return this.#messages;
  }

  #cut(): void {
    const rows = rowWriter.rows;
    // A view: sampleRowsMessage compresses the rows before the writer writes again.
    this.#messages.push(sampleRowsMessage(this.org, rowWriter.takeView(), rows));
  }
}

/** The feed's report since the last one, as messages for series_feed, and its rows; the feed starts over. */
export function seriesFeedMessages(
  feed: SeriesFeed,
  maxBytes: number,
): { messages: OutgoingMessage[]; rows: number } {
  const pieces = feed.report(feedWriter, maxBytes);
  let rows = 0;
  for (const piece of pieces) rows += piece.count;
  return {
    messages: pieces.map(({ org, rows, count }) => sampleRowsMessage(org, rows, count, 'feed')),
    rows,
  };
}

/** What an operator needs to see and replay a refused record. */
export interface DeadLetter {
  readonly stage: 'normalizer' | 'writer';
  readonly org: string;
  readonly dialect: string;
  readonly source: string;
  readonly requestId: string;
  readonly receivedAtUs: number;
  readonly reason: string;
  readonly index?: number;
  readonly record?: unknown;
  /** For a whole payload that could not be read: its bytes, base64. */
  readonly payloadBase64?: string;
}

function deadLetterBase(payload: RawPayload) {
  return {
    stage: 'normalizer' as const,
    org: payload.org,
    dialect: payload.dialect,
    source: payload.source,
    requestId: payload.requestId,
    receivedAtUs: payload.receivedAtUs,
  };
}

// MessagePack records may hold bigints and binary; the dead-letter must still be written.
const bigintAsText = (_key: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

/**
 * JSON.parse accepts nesting far deeper than JSON.stringify can recurse (RangeError past some
 * thousands of levels), and the dialects refuse such records: they must still reach the
 * dead-letter topic whole, not make the batch throw forever. The deep case is written without
 * recursion, with JSON.stringify's output.
 */
export function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, bigintAsText);
  } catch (error) {
    if (error instanceof RangeError) return iterativeJson(value);
    throw error;
  }
}

type JsonWork = { text: string } | { value: unknown; prepared?: true };

function iterativeJson(root: unknown): string {
  const out: string[] = [];
  const work: JsonWork[] = [{ value: root }];
  while (work.length > 0) {
    const item = work.pop()!;
    if ('text' in item) {
      out.push(item.text);
      continue;
    }
    const value = item.prepared ? item.value : prepare(item.value);
    if (value === null || typeof value !== 'object') {
      // In an array, what JSON cannot hold (undefined, functions) is written as null.
      out.push(JSON.stringify(value) ?? 'null');
    } else if (Array.isArray(value)) {
      out.push('[');
      work.push({ text: ']' });
      for (let i = value.length - 1; i >= 0; i--) {
        work.push({ value: value[i] });
        if (i > 0) work.push({ text: ',' });
      }
    } else {
      // In an object, such members are left out.
      const members = Object.keys(value)
        .map((key) => [key, prepare((value as Record<string, unknown>)[key])] as const)
        .filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol');
      out.push('{');
      work.push({ text: '}' });
      for (let i = members.length - 1; i >= 0; i--) {
        const [key, v] = members[i]!;
        work.push({ value: v, prepared: true });
        work.push({ text: `${i > 0 ? ',' : ''}${JSON.stringify(key)}:` });
      }
    }
  }
  return out.join('');
}

/** What JSON.stringify writes in place of a value: toJSON's result, bigints as text. */
function prepare(value: unknown): unknown {
  const v = bigintAsText('', value);
  if (typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    return bigintAsText('', (v as { toJSON(): unknown }).toJSON());
  }
  return v;
}

export function rejectedRecordMessages(
  payload: RawPayload,
  rejected: readonly RejectedRecord[],
): OutgoingMessage[] {
  return rejected.map((r) => ({
    key: payload.org,
    value: safeJson({
      ...deadLetterBase(payload),
      reason: r.reason,
      index: r.index,
      record: r.record,
    } satisfies DeadLetter),
  }));
}

export function unreadablePayloadMessage(payload: RawPayload, reason: string): OutgoingMessage {
  return {
    key: payload.org,
    value: safeJson({
      ...deadLetterBase(payload),
      reason,
      payloadBase64: payload.body.toString('base64'),
    } satisfies DeadLetter),
  };
}
