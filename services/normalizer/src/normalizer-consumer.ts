import {
  exitWhenConsumerGivesUp,
  IDLE_FETCH_WAIT_MS,
  isRetriableKafkaError,
  ResettableProducer,
  retryForever,
} from '@pipeline/kafka-io';
import { SeriesFeed } from '@pipeline/sample-model';
import type { TypeRegistry, TypeRegistryFollower } from '@pipeline/type-registry';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { NormalizerConfig } from './config.js';
import { inflatedChunks, normalizeBatch, topicMessageGroups } from './normalize-batch.js';
import type { NormalizerMetrics } from './normalizer-metrics.js';
import { seriesFeedMessages } from './output-messages.js';

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
 * commits a partition's offset only after all of that was acknowledged, and so was the series
 * feed report that covers it: a crash at any point replays from the last commit, the replay
 * reaches the same verdicts and reports the same series again.
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

  const feed = new SeriesFeed();
  // Per raw partition, the offset after the last message whose outputs Kafka acknowledged: it is
  // committed by the next report, whose feed covers that message's samples.
  let acknowledged = new Map<number, string>();
  let lastReportAt = Date.now();
  let reporting: Promise<void> = Promise.resolve();
  let reportQueued = false;
  // Set when a report was abandoned (shutting down while Kafka refused it): its series are lost to
  // this process, so no later commit may cover their payloads; they replay after the restart.
  let reportLost = false;

  const reportOnce = async (shouldStop: () => boolean) => {
    // Both taken at once: every offset taken has its samples noted in the feed taken with it.
    const offsets = acknowledged;
    acknowledged = new Map();
    const { messages, rows } = seriesFeedMessages(feed, config.maxOutputMessageBytes);
    lastReportAt = Date.now();
    if (messages.length > 0) {
      try {
        await retryForever(
          () =>
            producer.sendBatch({
              topicMessages: [{ topic: config.kafka.topics.samples, messages: [...messages] }],
            }),
          {
            shouldStop,
            onError: (error, attempt, wait) =>
              logger.warn({ err: error, attempt, wait }, 'series feed produce failed; retrying'),
          },
        );
      } catch (error) {
        reportLost = true;
        throw error;
      }
      metrics.seriesFeedRows.inc(rows);
    }
    metrics.seriesFeedReports.inc();
    if (offsets.size === 0 || reportLost) return;
    try {
      await consumer.commitOffsets(
        [...offsets].map(([partition, offset]) => ({ topic: config.kafka.topics.raw, partition, offset })),
      );
    } catch (error) {
      // A rebalance took the partition: its new owner replays these payloads and reports them again.
      logger.warn(
        { err: error },
        'offset commit failed after the series feed report; payloads will be replayed',
      );
    }
  };

  /** One report at a time (commits stay in order), and at most one waiting behind it. */
  const report = (shouldStop: () => boolean = () => stopping): Promise<void> => {
    if (reportQueued) return reporting;
    reportQueued = true;
    reporting = reporting.then(() => {
      reportQueued = false;
      return reportOnce(shouldStop);
    });
    // Failed reports are logged; their offsets stay uncommitted, so their payloads replay.
    reporting = reporting.catch((error) => logger.warn({ err: error }, 'series feed report abandoned'));
    return reporting;
  };

  const timer = setInterval(
    () => {
      if (
        Date.now() - lastReportAt >= config.seriesFeedIntervalMs &&
        (feed.size > 0 || acknowledged.size > 0)
      )
        void report();
    },
    Math.max(10, Math.floor(config.seriesFeedIntervalMs / 4)),
  );

  // Batches in hand, so that stop() reports and commits only once they are done.
  let batchesRunning = 0;
  let batchesDone: (() => void) | undefined;

  await consumer.connect();
  await consumer.subscribe({ topic: config.kafka.topics.raw, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: config.partitionsConcurrently,
    eachBatch: async (payload) => {
      batchesRunning++;
      try {
        await normalizeFetched(payload);
      } finally {
        if (--batchesRunning === 0) batchesDone?.();
      }
    },
  });

  async function normalizeFetched({
    batch,
    heartbeat,
    isRunning,
    isStale,
    resolveOffset,
  }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0) return;
    await registryCaughtUp;
    // In chunks of bounded inflated size: a fetch of compressed bodies can hold millions of
    // samples, and the outputs of a chunk are held until they are acknowledged.
    for (const chunk of inflatedChunks(batch.messages, config.maxBatchBytes)) {
      if (stopping || !isRunning() || isStale()) return;
      const output = normalizeBatch(chunk, registry, config.maxOutputMessageBytes, metrics, feed);
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
      acknowledged.set(batch.partition, (BigInt(last) + 1n).toString());
      resolveOffset(last);
      // Early when the feed holds many series (a cardinality burst), which bounds its memory.
      if (feed.size >= config.seriesFeedMaxSeries) await report();
      await heartbeat();
    }
  }

  return {
    consumer,
    ready: () => joined,
    stop: async () => {
      stopping = true;
      clearInterval(timer);
      consumer.pause([{ topic: config.kafka.topics.raw }]);
      while (batchesRunning > 0)
        await new Promise<void>((resolve) => {
          batchesDone = resolve;
        });
      // What was normalized is reported and committed before the group is left; a Kafka that does
      // not take the report within the grace time leaves the payloads to be replayed.
      const deadline = Date.now() + 10_000;
      await report(() => Date.now() > deadline);
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
