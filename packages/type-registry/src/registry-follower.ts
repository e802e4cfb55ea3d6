import { randomUUID } from 'node:crypto';
import { exitWhenConsumerGivesUp, IDLE_FETCH_WAIT_MS } from '@pipeline/kafka-io';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { readRegistration, type TypeRegistry } from './type-registry.js';

/**
 * Reads the types topic from its beginning and keeps following it, so a process knows every type
 * registered by any normalizer. `catchUp()` waits until it has read everything written so far.
 */
export class TypeRegistryFollower {
  readonly #consumer: Consumer;
  readonly #kafka: Kafka;
  readonly #logger: Logger;
  /** partition → next offset to read */
  readonly #position = new Map<number, bigint>();
  #waiters: (() => void)[] = [];

  constructor(
    kafka: Kafka,
    readonly registry: TypeRegistry,
    logger: Logger,
    readonly topic: string,
  ) {
    this.#kafka = kafka;
    this.#logger = logger;
    // A group of its own: every process reads the whole topic; nothing is ever committed.
    this.#consumer = kafka.consumer({
      groupId: `type-registry-${randomUUID()}`,
      maxWaitTimeInMs: IDLE_FETCH_WAIT_MS,
    });
  }

  async start(): Promise<void> {
    exitWhenConsumerGivesUp(this.#consumer, this.#logger);
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.#consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const registration = readRegistration(message);
          if (registration !== undefined)
            this.registry.register(registration.org, registration.stream, registration.type);
        }
        const last = batch.messages[batch.messages.length - 1];
        if (last !== undefined) this.#position.set(batch.partition, BigInt(last.offset) + 1n);
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const wake of waiters) wake();
      },
    });
  }

  /** Resolves once every registration written before this call has been applied. */
  async catchUp(timeoutMs = 60_000): Promise<void> {
    const admin = this.#kafka.admin();
    await admin.connect();
    let targets: { partition: number; high: bigint }[];
    try {
      targets = (await admin.fetchTopicOffsets(this.topic)).map((o) => ({
        partition: o.partition,
        high: BigInt(o.high),
      }));
    } finally {
      await admin.disconnect();
    }
    const deadline = Date.now() + timeoutMs;
    const behind = () => targets.some((t) => t.high > 0n && (this.#position.get(t.partition) ?? 0n) < t.high);
    while (behind()) {
      if (Date.now() > deadline)
        throw new Error(`type registry did not catch up with ${this.topic} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 200).unref();
      });
    }
    this.#logger.debug({ types: this.registry.size }, 'type registry caught up');
  }

  async stop(): Promise<void> {
    await this.#consumer.disconnect();
  }
}
