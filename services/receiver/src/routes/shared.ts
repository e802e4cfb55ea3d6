import { randomUUID } from 'node:crypto';
import { QueueUnavailableError, type RawPayload, rawPayloadMessage } from '@pipeline/kafka-io';
import type { FastifyInstance } from 'fastify';
import type { ReceiverConfig } from '../config.js';
import { BUSY } from '../hooks/admission.js';
import type { Publisher } from '../publisher.js';
import type { ReceiverMetrics } from '../receiver-metrics.js';

/**
 * Record shapes each dialect's route keeps to read its verdicts cheaper (record-shapes): enough for
 * the distinct records of a fleet's scrapes; past either bound they start over. The bytes bound
 * holds however long the records are.
 */
export const VERDICT_SHAPES = 50_000;
export const VERDICT_SHAPE_BYTES = 16 * 1024 * 1024;

export interface RouteDeps {
  readonly config: ReceiverConfig;
  readonly publisher: Publisher;
  readonly metrics: ReceiverMetrics;
}

/** Body bytes as they came (after decompression): the dialect parses them, not fastify. */
export function acceptRawBodies(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
}

export type PublishOutcome = { ok: true } | { ok: false; retryAfterSeconds: number; reason: string };

/** Publishes the accepted body; resolves once Kafka acknowledged it, or says why it could not. */
export async function publishRaw(
  deps: RouteDeps,
  payload: Omit<RawPayload, 'requestId' | 'maxAgeUs' | 'maxFutureUs' | 'maxFieldsPerRecord'>,
): Promise<PublishOutcome> {
  const started = process.hrtime.bigint();
  try {
    await deps.publisher.publish(
      deps.config.kafka.topics.raw,
      rawPayloadMessage({
        ...payload,
        requestId: randomUUID(),
        maxAgeUs: deps.config.maxAgeSeconds * 1_000_000,
        maxFutureUs: deps.config.maxFutureSeconds * 1_000_000,
        maxFieldsPerRecord: deps.config.maxFieldsPerRecord,
      }),
    );
    deps.metrics.ackSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    deps.metrics.bodyBytes.inc({ dialect: payload.dialect }, payload.body.length);
    return { ok: true };
  } catch (error) {
    if (error instanceof QueueUnavailableError) {
      return { ok: false, retryAfterSeconds: error.retryAfterSeconds, reason: error.message };
    }
    return { ok: false, retryAfterSeconds: 5, reason: (error as Error).message };
  }
}

/** Fastify's own errors, as the status each dialect's table gives them. */
export function classifyFastifyError(error: {
  code?: string;
  statusCode?: number;
}): 'too-large' | 'bad-media-type' | 'bad-body' | 'busy' | 'other' {
  if (error.code === BUSY) return 'busy';
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) return 'too-large';
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || error.code === 'UNSUPPORTED_CONTENT_ENCODING')
    return 'bad-media-type';
  // zlib errors (a body that says gzip but is not), an aborted or malformed body
  if (
    error.code?.startsWith('Z_') ||
    error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' ||
    error.statusCode === 400
  ) {
    return 'bad-body';
  }
  return 'other';
}
