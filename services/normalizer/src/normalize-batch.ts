import { type OutgoingMessage, rawPayloadSize, readRawPayload, type TopicNames } from '@pipeline/kafka-io';
import type { MetricType, SeriesFeed } from '@pipeline/sample-model';
import { registrationMessage, TypeRegistry } from '@pipeline/type-registry';
import { normalizePayload } from './normalize-payload.js';
import type { NormalizerMetrics } from './normalizer-metrics.js';
import { rejectedRecordMessages, SampleRows, unreadablePayloadMessage } from './output-messages.js';

export interface BatchOutput {
  readonly samples: OutgoingMessage[];
  readonly deadLetters: OutgoingMessage[];
  readonly registrations: OutgoingMessage[];
  /**
   * The first types this batch decided. The caller applies them to the registry only once the
   * outputs (registrations first) are acknowledged: a batch abandoned half-way is replayed, and the
   * replay must decide them again and write their registrations again.
   */
  readonly learned: { org: string; stream: string; type: MetricType }[];
}

/**
 * Turns raw messages into what must be durable before their offsets are committed. The registry is
 * read, never changed; later payloads of the batch see the types earlier ones decided. Each sample
 * is noted in `feed`, whose report must be durable too before the offsets are committed.
 */
export function normalizeBatch(
  messages: readonly { value: Buffer | null; headers?: Record<string, unknown>; offset: string }[],
  registry: TypeRegistry,
  maxOutputMessageBytes: number,
  metrics: NormalizerMetrics,
  feed: SeriesFeed,
): BatchOutput {
  const out: BatchOutput = { samples: [], deadLetters: [], registrations: [], learned: [] };
  const decided = new TypeRegistry();
  const known = (org: string) => ({
    get: (stream: string) => registry.get(org, stream) ?? decided.get(org, stream),
  });
  for (const message of messages) {
    const read = readRawPayload(message);
    if (!read.ok) {
      metrics.payloads.inc({ dialect: 'unknown', outcome: 'unreadable' });
      out.deadLetters.push({
        key: null,
        value: JSON.stringify({
          stage: 'normalizer',
          reason: `unreadable raw message at offset ${message.offset}: ${read.error}`,
          payloadBase64: message.value?.toString('base64') ?? '',
        }),
      });
      continue;
    }
    const payload = read.payload;
    const rows = new SampleRows(payload.org, maxOutputMessageBytes, feed);
    let result: ReturnType<typeof normalizePayload>;
    try {
      result = normalizePayload(payload, known(payload.org), rows);
    } catch (error) {
      // A dialect must never throw; if one does, the payload is parked instead of blocking the partition.
      result = { ok: false, error: `normalizer failed: ${(error as Error).message}` };
    }
    if (!result.ok) {
      rows.discard();
      metrics.payloads.inc({ dialect: payload.dialect, outcome: 'unreadable' });
      out.deadLetters.push(unreadablePayloadMessage(payload, result.error));
      continue;
    }
    metrics.payloads.inc({ dialect: payload.dialect, outcome: 'normalized' });
    metrics.payloadPaths.inc({ dialect: payload.dialect, path: result.path });
    for (const { stream, type } of result.registrations) {
      if (known(payload.org).get(stream) === undefined) {
        decided.register(payload.org, stream, type);
        out.learned.push({ org: payload.org, stream, type });
        out.registrations.push(registrationMessage(payload.org, stream, type));
        metrics.typeRegistrations.inc();
      }
    }
    out.samples.push(...rows.finish());
    out.deadLetters.push(...rejectedRecordMessages(payload, result.rejected));
    metrics.samples.inc({ dialect: payload.dialect }, result.samples);
    metrics.rejected.inc({ dialect: payload.dialect }, result.rejected.length);
  }
  return out;
}

/**
 * Consecutive runs of messages whose bodies inflate to at most maxBytes together (a bigger message
 * is a run of its own). The size comes from the message without inflating it (rawPayloadSize).
 */
export function* inflatedChunks<M extends { value: Buffer | null; headers?: Record<string, unknown> }>(
  messages: readonly M[],
  maxBytes: number,
): Generator<M[]> {
  let chunk: M[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = rawPayloadSize(message);
    if (chunk.length > 0 && bytes + size > maxBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(message);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

/** Groups outputs into produce requests of bounded size (the broker refuses huge requests). */
export function topicMessageGroups(
  output: BatchOutput,
  topics: TopicNames,
  maxRequestBytes = 16 * 1024 * 1024,
) {
  const all: { topic: string; message: OutgoingMessage }[] = [
    ...output.registrations.map((message) => ({ topic: topics.types, message })),
    ...output.samples.map((message) => ({ topic: topics.samples, message })),
    ...output.deadLetters.map((message) => ({ topic: topics.deadLetter, message })),
  ];
  const groups: { topic: string; messages: OutgoingMessage[] }[][] = [];
  let current = new Map<string, OutgoingMessage[]>();
  let bytes = 0;
  for (const { topic, message } of all) {
    const size = typeof message.value === 'string' ? message.value.length : message.value.length;
    if (bytes > 0 && bytes + size > maxRequestBytes) {
      groups.push([...current].map(([t, messages]) => ({ topic: t, messages })));
      current = new Map();
      bytes = 0;
    }
    const list = current.get(topic);
    if (list === undefined) current.set(topic, [message]);
    else list.push(message);
    bytes += size;
  }
  if (bytes > 0 || current.size > 0)
    groups.push([...current].map(([t, messages]) => ({ topic: t, messages })));
  return groups;
}
