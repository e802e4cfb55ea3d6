import { createKafka, ensureTopics, topicSpecs } from '@pipeline/kafka-io';
import { createMetricsRegistry, onShutdownSignal, runService, startOpsServer } from '@pipeline/service-kit';
import { TypeRegistry, TypeRegistryFollower } from '@pipeline/type-registry';
import { loadNormalizerConfig } from './config.js';
import { startNormalizer } from './normalizer-consumer.js';
import { createNormalizerMetrics } from './normalizer-metrics.js';

await runService('normalizer', async (logger) => {
  const config = loadNormalizerConfig();
  const registry = createMetricsRegistry('normalizer');
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: 'normalizer', logger });
  await ensureTopics(kafka, topicSpecs(config.kafka.topics, config.kafka));

  const types = new TypeRegistry();
  const follower = new TypeRegistryFollower(kafka, types, logger, config.kafka.topics.types);
  await follower.start();
  const normalizer = await startNormalizer(config, {
    kafka,
    logger,
    metrics: createNormalizerMetrics(registry),
    registry: types,
    follower,
  });
  const ops = await startOpsServer({
    host: config.host,
    port: config.port,
    logger,
    registry,
    checks: { kafka: () => (normalizer.ready() ? undefined : 'not yet in the consumer group') },
  });
  logger.info({ url: ops.url, groupId: config.groupId }, 'normalizer running');

  onShutdownSignal(logger, async () => {
    // The batch in hand is finished, and what was normalized is reported and committed, before the group is left.
    await normalizer.stop();
    await follower.stop();
    await ops.close();
  });
});
