import { BatchingProducer, createKafka, ensureTopics, topicSpecs } from '@pipeline/kafka-io';
import { createMetricsRegistry, onShutdownSignal, runService } from '@pipeline/service-kit';
import { TypeRegistry, TypeRegistryFollower } from '@pipeline/type-registry';
import { buildApp } from './app.js';
import { loadReceiverConfig } from './config.js';

await runService('receiver', async (logger) => {
  const config = loadReceiverConfig();
  const registry = createMetricsRegistry('receiver');
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: 'receiver', logger });
  await ensureTopics(kafka, topicSpecs(config.kafka.topics, config.kafka));

  const publisher = new BatchingProducer({
    kafka,
    logger,
    ackTimeoutMs: config.ackTimeoutMs,
    maxQueuedBytes: config.maxQueuedBytes,
  });
  await publisher.connect();
  // Known OpenObserve types let the receiver refuse a conflicting record at once; the normalizer
  // stays the authority for races between receivers.
  const types = new TypeRegistry();
  const follower = new TypeRegistryFollower(kafka, types, logger, config.kafka.topics.types);
  await follower.start();
  // Answer from a registry that has read what exists, so a fresh receiver is not optimistic.
  await follower
    .catchUp()
    .catch((error) => logger.warn({ err: error }, 'type registry not caught up; answering optimistically'));

  const app = buildApp(config, { publisher, logger, registry, types });
  const url = await app.listen({ host: config.host, port: config.port });
  logger.info({ url, development: config.credentials.development }, 'receiver listening');

  onShutdownSignal(logger, async () => {
    // Stop accepting, let in-flight requests get their acknowledgement, then flush the producer.
    await app.close();
    await publisher.disconnect();
    await follower.stop();
  });
});
