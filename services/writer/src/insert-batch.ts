import type { ClickHouseClient } from '@clickhouse/client';
import { insertRows, isRetriableStoreError, type RowFormat, TABLES } from '@pipeline/clickhouse-store';
import { retryForever, type SampleRows } from '@pipeline/kafka-io';
import type { Logger } from 'pino';
import type { WriterMetrics } from './writer-metrics.js';

export interface PendingMessage {
  readonly partition: number;
  readonly offset: string;
  /** The message's value as it came (compressed), for a dead letter when it cannot be read. */
  readonly value: Buffer;
  /** Its rows, read with readSampleRows. */
  readonly rows: SampleRows;
}

export interface InsertDeps {
  readonly client: ClickHouseClient;
  readonly database: string;
  readonly logger: Logger;
  readonly metrics: WriterMetrics;
  readonly poisonAttempts: number;
  readonly shouldStop: () => boolean;
  readonly onRetry: () => void;
  /** Called with messages ClickHouse refuses for good; must resolve only once they are durable elsewhere. */
  readonly deadLetter: (messages: readonly PendingMessage[], reason: string) => Promise<void>;
}

type Readable = PendingMessage & { readonly rows: Extract<SampleRows, { ok: true }> };

/**
 * Inserts the rows of the messages: one INSERT per row format (RowBinary, and TabSeparated or
 * JSONEachRow left in the topic by an earlier version) and table. Samples go to sample_rows, then
 * the series feed to series_feed, and the rows of a message from before the feed to both. A
 * message that cannot be read at all is dead-lettered at once.
 */
export async function insertBatch(messages: readonly PendingMessage[], deps: InsertDeps): Promise<void> {
  for (const message of messages) {
    if (message.rows.ok) continue;
    deps.logger.error(
      { reason: message.rows.error, offset: message.offset, partition: message.partition },
      'dead-lettering an unreadable samples message',
    );
    await deps.deadLetter([message], `unreadable samples message: ${message.rows.error}`);
  }
  const readable = messages.filter((m): m is Readable => m.rows.ok);
  const refused = new Set<PendingMessage>();
  for (const into of [TABLES.sampleRows, TABLES.seriesFeed]) {
    const skip = into === TABLES.sampleRows ? 'feed' : 'samples';
    for (const format of ['RowBinary', 'TabSeparated', 'JSONEachRow'] as const) {
      const group = readable.filter(
        (m) => m.rows.format === format && m.rows.role !== skip && !refused.has(m),
      );
      if (group.length > 0) await insertGroup(group, format, into, deps, refused);
    }
  }
}

/**
 * While ClickHouse is away or overloaded it retries with backoff for as long as it takes (the
 * backlog waits in Kafka). An error that will not go away (rows it cannot parse) is tried a few
 * times, then the group is split in halves until the guilty message is found and dead-lettered,
 * so one bad message never stops the partition.
 */
async function insertGroup(
  messages: readonly Readable[],
  format: RowFormat,
  into: string,
  deps: InsertDeps,
  /** Messages dead-lettered so far: a message from before the feed is not tried on its second table. */
  refused: Set<PendingMessage>,
): Promise<void> {
  // The messages' rows as they are: concatenating them was a sixth of the writer's JavaScript time.
  const body = messages.map((m) => m.rows.rows);
  let permanentFailures = 0;
  let lastPermanent: unknown;
  const started = process.hrtime.bigint();
  const inserted = await retryForever(
    async () => {
      try {
        await insertRows(deps.client, deps.database, body, format, into);
        return true;
      } catch (error) {
        if (isRetriableStoreError(error)) throw error;
        permanentFailures += 1;
        lastPermanent = error;
        if (permanentFailures >= deps.poisonAttempts) return false;
        throw error;
      }
    },
    {
      shouldStop: deps.shouldStop,
      onError: (error, attempt, wait) => {
        deps.metrics.inserts.inc({ outcome: 'retried' });
        deps.logger.warn(
          { err: error, attempt, wait, messages: messages.length, table: into },
          'insert into ClickHouse failed; retrying',
        );
        deps.onRetry();
      },
    },
  );
  if (inserted) {
    deps.metrics.inserts.inc({ outcome: 'ok' });
    deps.metrics.insertSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    const counter =
      into === TABLES.seriesFeed ? deps.metrics.seriesFeedRowsInserted : deps.metrics.rowsInserted;
    counter.inc(rowCount(messages));
    return;
  }
  deps.metrics.inserts.inc({ outcome: 'poison' });
  const reason = (lastPermanent as Error | undefined)?.message ?? 'refused by ClickHouse';
  if (messages.length === 1) {
    deps.logger.error(
      { reason, offset: messages[0]!.offset, partition: messages[0]!.partition, table: into },
      'dead-lettering a samples message',
    );
    await deps.deadLetter(messages, reason);
    refused.add(messages[0]!);
    return;
  }
  const half = Math.ceil(messages.length / 2);
  await insertGroup(messages.slice(0, half), format, into, deps, refused);
  await insertGroup(messages.slice(half), format, into, deps, refused);
}

/** Messages say how many rows they hold; text ones of older versions are counted by their lines. */
function rowCount(messages: readonly Readable[]): number {
  let rows = 0;
  for (const { rows: m } of messages) {
    if (m.count !== undefined) rows += m.count;
    else for (let at = m.rows.indexOf(0x0a); at !== -1; at = m.rows.indexOf(0x0a, at + 1)) rows++;
  }
  return rows;
}
