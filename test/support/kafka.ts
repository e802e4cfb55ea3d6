import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';

export function testKafka(brokers: string): Kafka {
  return new Kafka({
    clientId: 'integration-tests',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
}

/** Produces messages as an outside (or broken) producer would, acks=all. */
export async function produce(
  brokers: string,
  topic: string,
  messages: { key?: string | null; value: string | Buffer; headers?: Record<string, string> }[],
): Promise<void> {
  const producer = testKafka(brokers).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

/** Reads a topic from its beginning until `done` holds for the messages seen (parsed as JSON). */
export async function readTopicUntil<T = Record<string, unknown>>(
  brokers: string,
  topic: string,
  done: (messages: T[]) => boolean,
  timeoutMs = 30_000,
): Promise<T[]> {
  const consumer = testKafka(brokers).consumer({
    groupId: `it-reader-${randomUUID()}`,
    maxWaitTimeInMs: 100,
  });
  const seen: T[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.value !== null) seen.push(JSON.parse(message.value.toString('utf8')) as T);
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (!done(seen)) {
      if (Date.now() > deadline) {
        throw new Error(
          `${topic}: condition not met within ${timeoutMs} ms; saw ${JSON.stringify(seen).slice(0, 2000)}`,
        );
      }
      await delay(100);
    }
    return seen;
  } finally {
    await consumer.disconnect();
  }
}
