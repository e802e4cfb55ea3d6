import { applyRetention, createStoreClient, describeTarget, migrate } from '@pipeline/clickhouse-store';
import { createKafka, ensureTopics, topicSpecs } from '@pipeline/kafka-io';
import { createMetricsRegistry, onShutdownSignal, runService, startOpsServer } from '@pipeline/service-kit';
import { loadWriterConfig } from './config.js';
import { registerQueryRoute } from './query-route.js';
import { startWriter } from './writer-consumer.js';
import { createWriterMetrics } from './writer-metrics.js';

const RETENTION_INTERVAL_MS = 3_600_000;

await runService('writer', async (logger) => {
  const config = loadWriterConfig();
  const registry = createMetricsRegistry('writer');
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: 'writer', logger });
  await ensureTopics(kafka, topicSpecs(config.kafka.topics, config.kafka));

  const client = await createStoreClient(config.store);
  const { server, applied, skipped } = await migrate(client, config.database);
  logger.info(
    {
      store: describeTarget(config.store),
      version: server.version,
      applied: applied.map((m) => m.name),
      ...(skipped.length > 0 ? { notForThisServer: skipped.map((m) => m.name) } : {}),
    },
    'schema up to date',
  );

  // Retention: a TTL on modern servers (changed at start when RETENTION_DAYS changed), dropped
  // daily partitions on old ones, at start and then every hour.
  const retain = async () => {
    const { mode, statements } = await applyRetention(client, config.database, server, config.retentionDays);
    if (statements.length > 0)
      logger.info({ retentionDays: config.retentionDays, mode, statements }, 'retention applied');
  };
  // A failure never stops ingestion: the data waits a little longer for its deletion.
  const retainOrWarn = () =>
    retain().catch((error) => logger.warn({ err: error }, 'retention failed; trying again in an hour'));
  await retainOrWarn();
  const retentionTimer = setInterval(retainOrWarn, RETENTION_INTERVAL_MS);
  retentionTimer.unref();

  // Queries get a client of their own: the embedded engine keeps settings per session, and the
  // read-only setting of a user's query must never reach the session that inserts.
  const queryClient = await createStoreClient(config.store);
  const writer = await startWriter(config, { kafka, client, logger, metrics: createWriterMetrics(registry) });
  const ops = await startOpsServer({
    host: config.host,
    port: config.port,
    logger,
    registry,
    checks: {
      kafka: () => (writer.ready() ? undefined : 'not yet in the consumer group'),
      clickhouse: () => (writer.lastInsertOk() ? undefined : 'the last insert failed; retrying'),
    },
    extend: (app) => registerQueryRoute(app, queryClient),
  });
  logger.info({ url: ops.url, store: describeTarget(config.store) }, 'writer running');

  onShutdownSignal(logger, async () => {
    clearInterval(retentionTimer);
    await writer.stop();
    await ops.close();
    await queryClient.close();
    await client.close();
  });
});
