/**
 * Test support: the receiver's app with a Publisher that records what it was given (or refuses),
 * built from environment variables exactly as main.ts reads them. Not a Kafka mock: what Kafka does
 * with a published message is the integration tests' business.
 */
import { type OutgoingMessage, QueueUnavailableError, readRawPayload } from '@pipeline/kafka-io';
import { TypeRegistry } from '@pipeline/type-registry';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildApp } from '../app.js';
import { loadReceiverConfig } from '../config.js';
import type { Publisher } from '../publisher.js';

export const TOKEN = 'unit-source-token';
export const ORG = 'acme';
export const SOURCE = 'web';

export interface Published {
  readonly topic: string;
  readonly message: OutgoingMessage;
  /** The body as the normalizer reads it back from the message (it travels compressed). */
  readonly body: Buffer;
}

/** Accepts every message (records it), or refuses each with `refusal`. */
export class RecordingPublisher implements Publisher {
  readonly published: Published[] = [];
  healthy = true;

  constructor(readonly refusal?: Error) {}

  async publish(topic: string, message: OutgoingMessage): Promise<void> {
    if (this.refusal !== undefined) throw this.refusal;
    const read = readRawPayload({ value: Buffer.from(message.value), headers: message.headers });
    if (!read.ok) throw new Error(`published an unreadable raw message: ${read.error}`);
    this.published.push({ topic, message, body: read.payload.body });
  }
}

/** Holds every publish until release(): a Kafka that takes its time. */
export class HoldingPublisher extends RecordingPublisher {
  #held: (() => void)[] = [];
  #onHeld: (() => void) | undefined;

  override async publish(topic: string, message: OutgoingMessage): Promise<void> {
    await super.publish(topic, message);
    await new Promise<void>((resolve) => {
      this.#held.push(resolve);
      this.#onHeld?.();
    });
  }

  /** Resolves once `count` publishes are being held. */
  holding(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.#held.length >= count) resolve();
      };
      this.#onHeld = check;
      check();
    });
  }

  release(): void {
    for (const resolve of this.#held.splice(0)) resolve();
  }
}

export const refusingPublisher = (retryAfterSeconds = 7) =>
  new RecordingPublisher(
    new QueueUnavailableError('Kafka did not acknowledge within 10000 ms', retryAfterSeconds),
  );

export interface TestApp {
  readonly app: FastifyInstance;
  readonly publisher: RecordingPublisher;
  readonly registry: Registry;
}

export function testApp(env: Record<string, string> = {}, publisher = new RecordingPublisher()): TestApp {
  const config = loadReceiverConfig({
    BETTERSTACK_SOURCE_TOKENS: `${TOKEN}=${ORG}/${SOURCE}`,
    KAFKA_TOPIC_PREFIX: 'unit.',
    ...env,
  });
  const registry = new Registry();
  const app = buildApp(config, {
    publisher,
    types: new TypeRegistry(),
    logger: pino({ level: 'silent' }),
    registry,
  });
  return { app, publisher, registry };
}

export const bearer = (token = TOKEN) => ({ authorization: `Bearer ${token}` });
