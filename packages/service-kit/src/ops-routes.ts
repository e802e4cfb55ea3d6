import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/** Returns undefined when ready, else why not (shown in /readyz). */
export type ReadinessCheck = () => string | undefined | Promise<string | undefined>;

/**
 * /healthz: the process is alive. /readyz: it can do its work now (its checks say why not).
 * GET /metrics: Prometheus text. The receiver adds these to its public app; the consumers serve
 * them on a small ops server of their own.
 */
export function registerOpsRoutes(
  app: FastifyInstance,
  registry: Registry,
  checks: Record<string, ReadinessCheck>,
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const failing: Record<string, string> = {};
    for (const [name, check] of Object.entries(checks)) {
      const problem = await check();
      if (problem !== undefined) failing[name] = problem;
    }
    const ready = Object.keys(failing).length === 0;
    return reply.code(ready ? 200 : 503).send(ready ? { status: 'ready' } : { status: 'not ready', failing });
  });
  app.get('/metrics', async (_request, reply) => {
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}

export interface OpsServer {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

export async function startOpsServer(options: {
  host: string;
  port: number;
  logger: Logger;
  registry: Registry;
  checks: Record<string, ReadinessCheck>;
  extend?: (app: FastifyInstance) => void;
}): Promise<OpsServer> {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'ops' }) as FastifyBaseLogger,
    // Scrapes and probes every few seconds would drown the service's own logs.
    logController: new LogController({ disableRequestLogging: true }),
  });
  registerOpsRoutes(app, options.registry, options.checks);
  options.extend?.(app);
  const url = await app.listen({ host: options.host, port: options.port });
  return { app, url, close: () => app.close() };
}
