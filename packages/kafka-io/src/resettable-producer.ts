import type { Kafka, Producer, ProducerBatch, ProducerConfig } from 'kafkajs';
import { keyHashPartitioner } from './partitioner.js';

/**
 * An idempotent acks=all producer that is replaced by a fresh one (a new producer id) after any
 * failed send.
 *
 * Why: kafkajs rolls a partition's sequence number back when a produce fails. If the broker had in
 * fact written that batch (the answer was lost as the broker went down), the next, different batch
 * of the same size reuses its sequence range, and the broker takes it for a retry of the written
 * one: it answers success and drops it. An acknowledged message would be lost. A new producer id
 * starts a new sequence, so nothing can be mistaken for a duplicate.
 */
export class ResettableProducer {
  #producer: Producer;
  #connecting: Promise<void> | undefined;

  constructor(
    readonly kafka: Kafka,
    readonly config: ProducerConfig = {},
  ) {
    this.#producer = this.#create();
  }

  #create(): Producer {
    return this.kafka.producer({
      allowAutoTopicCreation: false,
      // Keys hash as the Java client's do (kafkajs' DefaultPartitioner, cheaper: partitioner.ts).
      createPartitioner: keyHashPartitioner,
      ...this.config,
      idempotent: true,
      maxInFlightRequests: 1,
    });
  }

  async connect(): Promise<void> {
    this.#connecting ??= this.#producer.connect();
    try {
      await this.#connecting;
    } catch (error) {
      this.#connecting = undefined;
      throw error;
    }
  }

  async sendBatch(batch: Omit<ProducerBatch, 'acks'>): Promise<void> {
    const producer = this.#producer;
    try {
      await this.connect();
      await producer.sendBatch({ ...batch, acks: -1 });
    } catch (error) {
      this.#reset(producer);
      throw error;
    }
  }

  #reset(failed: Producer): void {
    if (this.#producer !== failed) return;
    this.#producer = this.#create();
    this.#connecting = undefined;
    failed.disconnect().catch(() => {});
  }

  async disconnect(): Promise<void> {
    await this.#producer.disconnect();
  }
}
