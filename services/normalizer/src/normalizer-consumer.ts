import {
  exitWhenConsumerGivesUp,
  IDLE_FETCH_WAIT_MS,
  isRetriableKafkaError,
  ResettableProducer,
  retryForever,
} from '@pipeline/kafka-io';
import type { TypeRegistry, TypeRegistryFollower } from '@pipeline/type-registry';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { NormalizerConfig } from './config.js';
import { inflatedChunks, normalizeBatch, topicMessageGroups } from './normalize-batch.js';
import type { NormalizerMetrics } from './normalizer-metrics.js';

export interface NormalizerDeps {
  readonly kafka: Kafka;
  readonly logger: Logger;
  readonly metrics: NormalizerMetrics;
  readonly registry: TypeRegistry;
  readonly follower: TypeRegistryFollower;
}

export interface RunningNormalizer {
  readonly consumer: Consumer;
  /** Joined the group and has a partition assignment. */
  readonly ready: () => boolean;
  stop(): Promise<void>;
}

/**
 * Consumes raw payloads, produces samples, dead letters and type registrations with acks=all, and
 * commits a partition's offset only after all of that was acknowledged: a crash at any point
 * replays from the last commit, and the replay reaches the same verdicts.
 */
export async function startNormalizer(
  config: NormalizerConfig,
  deps: NormalizerDeps,
): Promise<RunningNormalizer> {
  const { kafka, logger, metrics, registry, follower } = deps;
  const producer = new ResettableProducer(kafka);
  await producer.connect();
  const consumer = kafka.consumer({
    groupId: config.groupId,
    sessionTimeout: config.kafka.sessionTimeoutMs,
    heartbeatInterval: Math.floor(config.kafka.sessionTimeoutMs / 5),
    // Compressed bytes: bodies shrink ~9x, so a fetch carries ~9x more samples than its size says.
    // (A message bigger than this still comes, alone.)
    maxBytesPerPartition: 2 * 1024 * 1024,
    maxBytes: 8 * 1024 * 1024,
    maxWaitTimeInMs: IDLE_FETCH_WAIT_MS,
  });
  let joined = false;
  // A partition taken over from another normalizer may hold payloads whose first types that
  // normalizer registered: read the registry to its end before deciding any type.
  // Retried until it succeeds, so the barrier never rejects (an unawaited rejection would crash).
  const catchUp = () =>
    retryForever(() => follower.catchUp(), {
      onError: (error, attempt) =>
        logger.warn({ err: error, attempt }, 'type registry catch-up failed; retrying'),
    });
  let registryCaughtUp: Promise<void> = catchUp();
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
    registryCaughtUp = catchUp();
  });
  exitWhenConsumerGivesUp(consumer, logger, () => {
    joined = false;
  });
  let stopping = false;

  await consumer.connect();
  await consumer.subscribe({ topic: config.kafka.topics.raw, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: config.partitionsConcurrently,
    eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
      if (batch.messages.length === 0) return;
      await registryCaughtUp;
      // In chunks of bounded inflated size: a fetch of compressed bodies can hold millions of
      // samples, and the outputs of a chunk are held until they are acknowledged.
      for (const chunk of inflatedChunks(batch.messages, config.maxBatchBytes)) {
        if (!isRunning() || isStale()) return;
        const output = normalizeBatch(chunk, registry, config.maxOutputMessageBytes, metrics);
        for (const topicMessages of topicMessageGroups(output, config.kafka.topics)) {
          await retryForever(
            () =>
              producer.sendBatch({
                topicMessages: topicMessages.map((t) => ({ ...t, messages: [...t.messages] })),
              }),
            {
              shouldStop: () => stopping || !isRunning() || isStale(),
              onError: (error, attempt, wait) => {
                logger.warn(
                  { err: error, attempt, wait, retriable: isRetriableKafkaError(error) },
                  'produce failed; retrying',
                );
                heartbeat().catch(() => {});
              },
            },
          );
        }
        // Durable now: later chunks (and their replays) may rely on these types.
        for (const { org, stream, type } of output.learned) registry.register(org, stream, type);
        const last = chunk[chunk.length - 1]!.offset;
        await consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
        ]);
        resolveOffset(last);
        await heartbeat();
      }
    },
  });

  return {
    consumer,
    ready: () => joined,
    stop: async () => {
      stopping = true;
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
