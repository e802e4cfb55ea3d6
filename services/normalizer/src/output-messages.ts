import { type OutgoingMessage, type RawPayload, SAMPLE_HEADERS } from '@pipeline/kafka-io';
import { encodeSampleRow, type RejectedRecord, type Sample } from '@pipeline/sample-model';

export const ROW_ENCODING = 'jsoneachrow-v1';

/** Samples as JSONEachRow messages of at most maxBytes each (a row is never split). */
export function sampleMessages(org: string, samples: readonly Sample[], maxBytes: number): OutgoingMessage[] {
  const messages: OutgoingMessage[] = [];
  const headers = { [SAMPLE_HEADERS.encoding]: ROW_ENCODING, [SAMPLE_HEADERS.org]: org };
  let chunk = '';
  for (const sample of samples) {
    const row = encodeSampleRow(org, sample);
    if (chunk.length > 0 && chunk.length + row.length > maxBytes) {
      messages.push({ key: null, value: chunk, headers });
      chunk = '';
    }
    chunk += row;
  }
  if (chunk.length > 0) messages.push({ key: null, value: chunk, headers });
  return messages;
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

function safeJson(value: unknown): string {
  // MessagePack records may hold bigints and binary; the dead-letter must still be written.
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));
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
