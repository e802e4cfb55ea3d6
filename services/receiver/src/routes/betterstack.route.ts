import {
  ACCEPTED_CONTENT_TYPES,
  type BetterStackContext,
  createVerdictShapes,
  formatFromContentType,
  processBetterStackPayload,
} from '@pipeline/dialect-betterstack';
import { nowMicros } from '@pipeline/timestamp-rules';
import type { FastifyInstance } from 'fastify';
import { authenticateSourceToken } from '../auth/authenticate.js';
import type { SourceToken } from '../auth/credentials.js';
import { decompressBody } from '../hooks/decompress.js';
import {
  acceptRawBodies,
  classifyFastifyError,
  publishRaw,
  type RouteDeps,
  VERDICT_SHAPE_BYTES,
  VERDICT_SHAPES,
} from './shared.js';

declare module 'fastify' {
  interface FastifyRequest {
    sourceToken?: SourceToken;
  }
}

const PARSE_ERROR = "Couldn't parse JSON content.";
const MAX_LISTED_ERRORS = 100;

/** Better Stack's `POST /metrics` (CONTRACT.md §1). Bodies are plain text, as upstream answers. */
export async function betterStackRoute(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  acceptRawBodies(app, deps.config.maxBodyBytes);
  const shapes = createVerdictShapes(VERDICT_SHAPES, VERDICT_SHAPE_BYTES);

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, _request, reply) => {
    const kind = classifyFastifyError(error);
    if (kind === 'too-large') return reply.code(413).type('text/plain').send('payload reached size limit');
    if (kind === 'busy')
      return reply.code(503).header('retry-after', '1').type('text/plain').send(error.message);
    if (kind === 'bad-media-type') return reply.code(415).type('text/plain').send(`${error.message}`);
    if (kind === 'bad-body')
      return reply.code(406).type('text/plain').send(`${PARSE_ERROR} ${error.message}`);
    reply.log.error({ err: error }, 'unexpected error');
    return reply.code(500).type('text/plain').send('internal error');
  });
  app.addHook('onResponse', async (_request, reply) =>
    deps.metrics.requests.inc({ dialect: 'betterstack', status: reply.statusCode }),
  );

  app.post(
    '/metrics',
    {
      bodyLimit: deps.config.maxBodyBytes,
      // Refuse before reading the body: an unauthenticated or mistyped 20 MiB upload costs nothing.
      onRequest: async (request, reply) => {
        const token = authenticateSourceToken(deps.config.credentials, request.headers.authorization);
        if (token === undefined) return reply.code(403).type('text/plain').send('Unauthorized');
        const contentType = request.headers['content-type'];
        if (formatFromContentType(contentType) === undefined) {
          const problem =
            contentType === undefined || contentType.trim() === ''
              ? 'Content-Type is missing'
              : `unsupported Content-Type ${JSON.stringify(contentType)}`;
          return reply
            .code(415)
            .type('text/plain')
            .send(`${problem}; use one of ${ACCEPTED_CONTENT_TYPES.join(', ')}`);
        }
        request.sourceToken = token;
      },
      preParsing: decompressBody,
    },
    async (request, reply) => {
      const token = request.sourceToken!;
      const format = formatFromContentType(request.headers['content-type'])!;
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const receivedAtUs = nowMicros();
      const ctx: BetterStackContext = {
        receivedAtUs,
        window: {
          maxAgeUs: deps.config.maxAgeSeconds * 1_000_000,
          maxFutureUs: deps.config.maxFutureSeconds * 1_000_000,
        },
        // The answer needs counts only; the normalizer builds the samples from the same bytes.
        statusOnly: true,
      };
      const result = processBetterStackPayload(body, format, ctx, shapes);
      if (!result.ok) return reply.code(406).type('text/plain').send(`${PARSE_ERROR} ${result.error}`);
      const errors = result.rejected
        .slice(0, MAX_LISTED_ERRORS)
        .map((r) => ({ index: r.index, error: r.reason }));
      // Published even when no record is valid: the normalizer replays the same verdict and
      // dead-letters every rejected record with its reason (CONTRACT §1, §3), so nothing the
      // client sent is dropped without a trace. Only a body without records is not published.
      const published = await publishRaw(deps, {
        dialect: 'betterstack',
        org: token.org,
        source: token.source,
        format,
        receivedAtUs,
        body,
      });
      if (!published.ok) {
        return reply
          .code(503)
          .header('retry-after', String(published.retryAfterSeconds))
          .type('text/plain')
          .send(`queue unavailable, nothing was stored: ${published.reason}`);
      }
      // Counted once Kafka has the body: a 503 stored nothing, so it accepted and rejected nothing.
      deps.metrics.records.inc({ dialect: 'betterstack', outcome: 'accepted' }, result.accepted);
      deps.metrics.records.inc({ dialect: 'betterstack', outcome: 'rejected' }, result.rejected.length);
      if (result.accepted === 0) {
        return reply
          .code(406)
          .type('text/plain')
          .send(
            `${PARSE_ERROR} No valid record: ${errors.map((e) => `record ${e.index}: ${e.error}`).join('; ')}`,
          );
      }
      return reply.code(202).send({ accepted: result.accepted, rejected: result.rejected.length, errors });
    },
  );
}
