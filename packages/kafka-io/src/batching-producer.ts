import type { Kafka, Message } from 'kafkajs';
import type { Logger } from 'pino';
import { ResettableProducer } from './resettable-producer.js';

export interface OutgoingMessage {
  readonly key?: string | null;
  readonly value: Buffer | string;
  readonly headers?: Record<string, string>;
}

/** Kafka did not acknowledge in time, or too much is already waiting: nothing was stored, retry later. */
export class QueueUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'QueueUnavailableError';
  }
}

export interface BatchingProducerOptions {
  readonly kafka: Kafka;
  readonly logger: Logger;
  /** Longest a publish waits for the broker's acknowledgement before it is refused. */
  readonly ackTimeoutMs: number;
  /** Bytes that may wait for Kafka at once; beyond it publishes are refused at once (no unbounded buffering). */
  readonly maxQueuedBytes: number;
  /** Upper bound of one produce request (the broker refuses requests over socket.request.max.bytes). */
  readonly maxBatchBytes?: number;
  readonly retryAfterSeconds?: number;
}

interface Pending {
  readonly topic: string;
  readonly message: Message;
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  settled: boolean;
}

/**
 * One idempotent, acks=all producer shared by all requests of a process. Messages published while a
 * produce request is in flight are sent together in the next one, so concurrent HTTP requests share
 * round trips; each publish resolves only when the broker has acknowledged its message.
 */
export class BatchingProducer {
  readonly #producer: ResettableProducer;
  readonly #options: BatchingProducerOptions;
  readonly #maxBatchBytes: number;
  #queue: Pending[] = [];
  #queuedBytes = 0;
  #sending = false;
  #connected = false;
  #lastFailureAt = 0;
  #drained: (() => void) | undefined;

  constructor(options: BatchingProducerOptions) {
    this.#options = options;
    this.#maxBatchBytes = options.maxBatchBytes ?? 64 * 1024 * 1024;
    // Retries are bounded so a produce fails (and the client hears 503) within ackTimeoutMs
    // instead of waiting forever; a retried duplicate is removed by the idempotent producer or,
    // across producers, by the storage's deduplication.
    this.#producer = new ResettableProducer(options.kafka, {
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
    });
  }

  async connect(): Promise<void> {
    await this.#producer.connect();
    this.#connected = true;
  }

  /** True unless the last produce failed recently. */
  get healthy(): boolean {
    return this.#connected && Date.now() - this.#lastFailureAt > 5000;
  }

  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  publish(topic: string, message: OutgoingMessage): Promise<void> {
    const bytes =
      (typeof message.value === 'string' ? Buffer.byteLength(message.value) : message.value.length) + 256;
    const retryAfter = this.#options.retryAfterSeconds ?? 5;
    if (!this.#connected)
      return Promise.reject(new QueueUnavailableError('not connected to Kafka', retryAfter));
    if (this.#queuedBytes + bytes > this.#options.maxQueuedBytes && this.#queue.length > 0) {
      return Promise.reject(new QueueUnavailableError('too much data is waiting for Kafka', retryAfter));
    }
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = {
        topic,
        message: { key: message.key ?? null, value: message.value, headers: message.headers },
        bytes,
        resolve,
        reject,
        settled: false,
      };
      this.#queue.push(pending);
      this.#queuedBytes += bytes;
      const timer = setTimeout(() => {
        this.#settle(
          pending,
          new QueueUnavailableError(
            `Kafka did not acknowledge within ${this.#options.ackTimeoutMs} ms`,
            retryAfter,
          ),
        );
      }, this.#options.ackTimeoutMs);
      timer.unref();
      const done = pending.resolve;
      (pending as { resolve: () => void }).resolve = () => {
        clearTimeout(timer);
        done();
      };
      if (!this.#sending) void this.#sendLoop();
    });
  }

  #settle(pending: Pending, error?: Error): void {
    if (pending.settled) return;
    pending.settled = true;
    if (error === undefined) pending.resolve();
    else pending.reject(error);
  }

  async #sendLoop(): Promise<void> {
    this.#sending = true;
    try {
      while (this.#queue.length > 0) {
        const batch: Pending[] = [];
        let bytes = 0;
        while (
          this.#queue.length > 0 &&
          (batch.length === 0 || bytes + this.#queue[0]!.bytes <= this.#maxBatchBytes)
        ) {
          const next = this.#queue.shift()!;
          bytes += next.bytes;
          // A publish that already timed out was answered 503: do not store it behind the client's back.
          if (!next.settled) batch.push(next);
          else this.#queuedBytes -= next.bytes;
        }
        if (batch.length === 0) continue;
        try {
          const byTopic = new Map<string, Message[]>();
          for (const p of batch) {
            const list = byTopic.get(p.topic);
            if (list === undefined) byTopic.set(p.topic, [p.message]);
            else list.push(p.message);
          }
          await this.#producer.sendBatch({
            topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
          });
          for (const p of batch) this.#settle(p);
        } catch (error) {
          this.#lastFailureAt = Date.now();
          this.#options.logger.warn({ err: error, messages: batch.length }, 'produce to Kafka failed');
          const refusal = new QueueUnavailableError(
            `Kafka is unavailable: ${(error as Error).message}`,
            this.#options.retryAfterSeconds ?? 5,
          );
          for (const p of batch) this.#settle(p, refusal);
        } finally {
          for (const p of batch) this.#queuedBytes -= p.bytes;
        }
      }
    } finally {
      this.#sending = false;
      this.#drained?.();
    }
  }

  /** Waits for everything queued to be acknowledged or refused, then disconnects. */
  async disconnect(): Promise<void> {
    if (this.#sending) {
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
      });
    }
    this.#connected = false;
    await this.#producer.disconnect();
  }
}
