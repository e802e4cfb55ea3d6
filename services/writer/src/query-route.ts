import type { ClickHouseClient } from '@clickhouse/client';
import { runQuery } from '@pipeline/clickhouse-store';
import type { FastifyInstance } from 'fastify';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * POST /query (SQL as the text body): with the embedded engine only the writer's process may open
 * the data directory, so `npm run query` reaches the data through here. Read-only, loopback only.
 */
export function registerQueryRoute(app: FastifyInstance, client: ClickHouseClient): void {
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.post('/query', async (request, reply) => {
    if (!LOOPBACK.has(request.socket.remoteAddress ?? '')) {
      return reply.code(403).send({ error: 'queries are accepted from loopback only' });
    }
    const sql = typeof request.body === 'string' ? request.body.trim() : '';
    if (sql === '') return reply.code(400).send({ error: 'send the SQL as a text/plain body' });
    try {
      return reply.send(await runQuery(client, sql));
    } catch (error) {
      return reply.code(400).send({ error: (error as Error).message });
    }
  });
}
