import type { ClickHouseClient } from '@clickhouse/client';
import {
  exitWhenConsumerGivesUp,
  IDLE_FETCH_WAIT_MS,
  ResettableProducer,
  readSampleRows,
  retryForever,
} from '@pipeline/kafka-io';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { WriterConfig } from './config.js';
import { writerDeadLetter } from './dead-letter.js';
import { insertBatch, type PendingMessage } from './insert-batch.js';
import type { WriterMetrics } from './writer-metrics.js';

export interface WriterDeps {
  readonly kafka: Kafka;
  readonly client: ClickHouseClient;
  readonly logger: Logger;
  readonly metrics: WriterMetrics;
}

export interface RunningWriter {
  readonly ready: () => boolean;
  readonly lastInsertOk: () => boolean;
  stop(): Promise<void>;
}

/**
 * Collects samples messages from every assigned partition into one insert, sent when it reaches
 * batchMaxBytes or batchMaxAgeMs. Offsets are committed only after ClickHouse accepted the insert.
 * While an insert is failing the buffer fills and eachBatch waits, so Kafka keeps the backlog.
 */
export async function startWriter(config: WriterConfig, deps: WriterDeps): Promise<RunningWriter> {
  const { kafka, client, logger, metrics } = deps;
  const dlqProducer = new ResettableProducer(kafka);
  await dlqProducer.connect();
  const consumer: Consumer = kafka.consumer({
    groupId: config.groupId,
    sessionTimeout: config.kafka.sessionTimeoutMs,
    heartbeatInterval: Math.floor(config.kafka.sessionTimeoutMs / 5),
    // Compressed bytes: rows shrink ~10x in the topic, so a fetch of batchMaxBytes would inflate to
    // ten inserts. (A message bigger than this still comes, alone.)
    maxBytesPerPartition: Math.max(Math.floor(config.batchMaxBytes / 8), 256 * 1024),
    maxBytes: Math.max(Math.floor(config.batchMaxBytes / 2), 1024 * 1024),
    // Batches are flushed by their timer, not when a fetch returns.
    maxWaitTimeInMs: IDLE_FETCH_WAIT_MS,
  });

  let pending: PendingMessage[] = [];
  let pendingBytes = 0;
  let oldestAt = 0;
  let flushing: Promise<void> | undefined;
  let stopping = false;
  let joined = false;
  let insertOk = true;

  const commit = async (messages: readonly PendingMessage[]) => {
    const next = new Map<number, bigint>();
    for (const m of messages) {
      const after = BigInt(m.offset) + 1n;
      if ((next.get(m.partition) ?? -1n) < after) next.set(m.partition, after);
    }
    try {
      await consumer.commitOffsets(
        [...next].map(([partition, offset]) => ({
          topic: config.kafka.topics.samples,
          partition,
          offset: offset.toString(),
        })),
      );
    } catch (error) {
      // A rebalance took the partition: its new owner re-reads these rows, the view shows them once.
      logger.warn({ err: error }, 'offset commit failed after insert; rows will be re-delivered');
    }
  };

  const flushOnce = async () => {
    const batch = pending;
    pending = [];
    pendingBytes = 0;
    metrics.bufferedBytes.set(0);
    await insertBatch(batch, {
      client,
      database: config.database,
      logger,
      metrics,
      poisonAttempts: config.poisonAttempts,
      shouldStop: () => false,
      onRetry: () => {
        insertOk = false;
      },
      deadLetter: async (messages, reason) => {
        const deadLetters = messages.map((m) => ({
          key: null,
          value: writerDeadLetter(m, reason),
        }));
        // Retried until durable: the offset of a dead-lettered message is committed only after this.
        await retryForever(
          () =>
            dlqProducer.sendBatch({
              topicMessages: [{ topic: config.kafka.topics.deadLetter, messages: deadLetters }],
            }),
          {
            onError: (error, attempt) =>
              logger.warn({ err: error, attempt }, 'dead-letter produce failed; retrying'),
          },
        );
        metrics.deadLetters.inc(messages.length);
      },
    });
    insertOk = true;
    await commit(batch);
  };

  /** One flush at a time, so commits stay in offset order. */
  const flush = (): Promise<void> => {
    if (flushing !== undefined) return flushing;
    if (pending.length === 0) return Promise.resolve();
    flushing = flushOnce().finally(() => {
      flushing = undefined;
    });
    return flushing;
  };

  /** Starts (or joins) a flush and waits for it, heartbeating meanwhile so the group keeps us. */
  const flushWhileHeartbeating = async (heartbeat: () => Promise<void>) => {
    // Settled either way: the caller re-checks the buffer after it.
    const settled = flush().then(
      () => true,
      () => true,
    );
    const tick = () => new Promise<false>((r) => setTimeout(() => r(false), 2000));
    while (!(await Promise.race([settled, tick()]))) await heartbeat().catch(() => {});
  };

  // The oldest waiting row is inserted when batchMaxAgeMs old, not on the next tick of a coarser
  // clock: one timer, armed while rows wait, re-armed for the rows that came during an insert.
  let ageTimer: NodeJS.Timeout | undefined;
  const armAgeTimer = (): void => {
    if (ageTimer !== undefined || pending.length === 0 || stopping) return;
    ageTimer = setTimeout(
      () => {
        ageTimer = undefined;
        if (pending.length === 0) return;
        if (Date.now() - oldestAt < config.batchMaxAgeMs) return armAgeTimer();
        flush().then(armAgeTimer, (error) => {
          logger.error({ err: error }, 'flush failed');
          armAgeTimer();
        });
      },
      Math.max(0, oldestAt + config.batchMaxAgeMs - Date.now()),
    );
  };

  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  exitWhenConsumerGivesUp(consumer, logger, () => {
    joined = false;
  });

  await consumer.connect();
  await consumer.subscribe({ topic: config.kafka.topics.samples, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, heartbeat }) => {
      for (const message of batch.messages) {
        if (message.value === null || message.value.length === 0) continue;
        if (pending.length === 0) oldestAt = Date.now();
        const rows = readSampleRows(message);
        pending.push({ partition: batch.partition, offset: message.offset, value: message.value, rows });
        // Row bytes, as ClickHouse will see them: the batch limit is about the insert, not the topic.
        pendingBytes += rows.ok ? rows.rows.length : message.value.length;
        metrics.bufferedBytes.set(pendingBytes);
        armAgeTimer();
        // Back-pressure, message by message. A full buffer becomes an insert and reading goes on
        // while ClickHouse works (reading between inserts was ~10 % of a backlog's time); half a
        // buffer more waits for that insert (heartbeating), so what is held stays under 1.5 ×
        // batchMaxBytes whatever a fetch brought.
        while (
          pendingBytes >= config.batchMaxBytes ||
          (flushing !== undefined && pendingBytes >= config.batchMaxBytes / 2)
        ) {
          if (flushing === undefined) {
            // Takes the buffer at once (pendingBytes is 0 after this call); its outcome is the
            // next waiter's or the age timer's to see.
            flush().catch((error) => logger.error({ err: error }, 'flush failed'));
            continue;
          }
          await flushWhileHeartbeating(heartbeat);
          if (stopping) return;
        }
      }
    },
  });

  return {
    ready: () => joined,
    lastInsertOk: () => insertOk,
    stop: async () => {
      stopping = true;
      clearTimeout(ageTimer);
      consumer.pause([{ topic: config.kafka.topics.samples }]);
      // Drain: what was read is inserted and committed before the process leaves the group.
      while (flushing !== undefined || pending.length > 0) await flush();
      await consumer.disconnect();
      await dlqProducer.disconnect();
    },
  };
}
