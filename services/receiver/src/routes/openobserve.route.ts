import {
  createOpenObserveShapes,
  type KnownTypes,
  processOpenObservePayload,
  statusResponse,
} from '@pipeline/dialect-openobserve';
import { nowMicros } from '@pipeline/timestamp-rules';
import type { FastifyInstance } from 'fastify';
import { UserAuthenticator } from '../auth/authenticate.js';
import type { OrgUser } from '../auth/credentials.js';
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
    orgUser?: OrgUser;
  }
}

/** What the receiver knows of the type registry; the normalizer is its authority. */
export interface TypeLookup {
  forOrg(org: string): KnownTypes;
}

const fail = (code: number, message: string) => ({ code, message });

/** OpenObserve's `POST /api/{org}/ingest/metrics/_json` (CONTRACT.md §2). Bodies are JSON. */
export async function openObserveRoute(
  app: FastifyInstance,
  deps: RouteDeps & { types: TypeLookup },
): Promise<void> {
  acceptRawBodies(app, deps.config.maxBodyBytes);
  const shapes = createOpenObserveShapes<never>(VERDICT_SHAPES, VERDICT_SHAPE_BYTES);
  const users = new UserAuthenticator(deps.config.credentials);

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, _request, reply) => {
    const kind = classifyFastifyError(error);
    if (kind === 'too-large')
      return reply
        .code(413)
        .send(fail(413, `payload reached size limit of ${deps.config.maxBodyBytes} bytes`));
    if (kind === 'busy') return reply.code(503).header('retry-after', '1').send(fail(503, error.message));
    if (kind === 'bad-media-type' || kind === 'bad-body')
      return reply.code(400).send(fail(400, error.message));
    reply.log.error({ err: error }, 'unexpected error');
    return reply.code(500).send(fail(500, 'internal error'));
  });
  app.addHook('onResponse', async (_request, reply) =>
    deps.metrics.requests.inc({ dialect: 'openobserve', status: reply.statusCode }),
  );

  app.post<{ Params: { org: string } }>(
    '/api/:org/ingest/metrics/_json',
    {
      bodyLimit: deps.config.maxBodyBytes,
      onRequest: async (request, reply) => {
        const user = users.authenticate(request.headers.authorization);
        if (user === undefined) return reply.code(401).send(fail(401, 'Unauthorized Access'));
        const { org } = request.params as { org: string };
        if (user.org !== org) {
          return reply.code(403).send(fail(403, `user ${user.user} has no access to organization ${org}`));
        }
        request.orgUser = user;
      },
      preParsing: decompressBody,
    },
    async (request, reply) => {
      const user = request.orgUser!;
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const receivedAtUs = nowMicros();
      const result = processOpenObservePayload(
        body,
        {
          receivedAtUs,
          maxFieldsPerRecord: deps.config.maxFieldsPerRecord,
          knownTypes: deps.types.forOrg(user.org),
          // The answer needs counts only; the normalizer builds the samples from the same bytes.
          statusOnly: true,
        },
        shapes,
      );
      if (!result.ok) return reply.code(400).send(fail(400, result.error));
      const published = await publishRaw(deps, {
        dialect: 'openobserve',
        org: user.org,
        source: user.user,
        format: 'json',
        receivedAtUs,
        body,
      });
      if (!published.ok) {
        return reply
          .code(503)
          .header('retry-after', String(published.retryAfterSeconds))
          .send(fail(503, `queue unavailable, nothing was stored: ${published.reason}`));
      }
      // Counted once Kafka has the body: a 503 stored nothing, so it accepted and rejected nothing.
      deps.metrics.records.inc(
        { dialect: 'openobserve', outcome: 'accepted' },
        result.records - result.rejected.length,
      );
      deps.metrics.records.inc({ dialect: 'openobserve', outcome: 'rejected' }, result.rejected.length);
      return reply.code(200).send(statusResponse(result.streams));
    },
  );
}
