import Fastify, { type FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from './metrics-registry.js';
import { registerOpsRoutes } from './ops-routes.js';

describe('ops routes', () => {
  const build = (problem: string | undefined) => {
    const app = Fastify({ loggerInstance: pino({ level: 'silent' }) as FastifyBaseLogger });
    registerOpsRoutes(app, createMetricsRegistry('test'), { kafka: () => problem });
    return app;
  };

  it('answers /healthz', async () => {
    const response = await build(undefined).inject({ url: '/healthz' });
    expect(response.statusCode).toBe(200);
  });

  it('answers /readyz 200 when every check passes and 503 naming the failing one otherwise', async () => {
    expect((await build(undefined).inject({ url: '/readyz' })).statusCode).toBe(200);
    const notReady = await build('broker unreachable').inject({ url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toEqual({ status: 'not ready', failing: { kafka: 'broker unreachable' } });
  });

  it('serves Prometheus text with the service label', async () => {
    const response = await build(undefined).inject({ url: '/metrics' });
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toMatch(/pipeline_process_cpu_user_seconds_total\{service="test"\}/);
  });
});
