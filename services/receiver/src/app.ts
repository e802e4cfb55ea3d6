import { registerOpsRoutes } from '@pipeline/service-kit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ReceiverConfig } from './config.js';
import { admissionHook, BodyBudget } from './hooks/admission.js';
import { RateLimiter, rateLimitHook } from './hooks/rate-limit.js';
import type { Publisher } from './publisher.js';
import { createReceiverMetrics } from './receiver-metrics.js';
import { betterStackRoute } from './routes/betterstack.route.js';
import { openObserveRoute, type TypeLookup } from './routes/openobserve.route.js';

export interface ReceiverDeps {
  readonly publisher: Publisher;
  readonly types: TypeLookup;
  readonly logger: Logger;
  readonly registry: Registry;
}

/** The receiver's HTTP app, not listening: main.ts listens, tests use inject. */
export function buildApp(config: ReceiverConfig, deps: ReceiverDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Metrics count every request; a log line each would cost more than the request's own work.
    logController: new LogController({ disableRequestLogging: true }),
    // X-Forwarded-For is believed only from these addresses; otherwise the socket address counts.
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    bodyLimit: config.maxBodyBytes,
    // A slow client must not hold a 20 MiB upload open forever.
    requestTimeout: 120_000,
  });
  const metrics = createReceiverMetrics(deps.registry);
  const limiter = new RateLimiter(config.rateLimitPerMinute);
  // One budget for both dialects: it bounds the memory of the whole process.
  const budget = new BodyBudget(config.maxBodyBytesInFlight);
  const admit = admissionHook(budget, {
    maxBodyBytes: config.maxBodyBytes,
    timeoutMs: config.admissionTimeoutMs,
  });

  registerOpsRoutes(app, deps.registry, {
    kafka: () => (deps.publisher.healthy ? undefined : 'the last produce to Kafka failed'),
  });

  // Each dialect answers 429 in its own body shape; the count is shared per client IP.
  app.register(async (scope) => {
    scope.addHook(
      'onRequest',
      rateLimitHook(limiter, (reply, message) => reply.type('text/plain').send(message)),
    );
    scope.addHook('preParsing', admit);
    await betterStackRoute(scope, { config, publisher: deps.publisher, metrics });
  });
  app.register(async (scope) => {
    scope.addHook(
      'onRequest',
      rateLimitHook(limiter, (reply, message) => reply.send({ code: 429, message })),
    );
    scope.addHook('preParsing', admit);
    await openObserveRoute(scope, { config, publisher: deps.publisher, metrics, types: deps.types });
  });
  return app;
}
