import type { Kafka } from 'kafkajs';
import type { TopicSpec } from './topics.js';

/**
 * Creates the missing topics and grows partition counts that were raised in configuration.
 * Safe to run from every replica at start: creation races end in "already exists", which is fine.
 */
export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        topics: missing.map((s) => ({ ...s, replicationFactor: -1 })),
        waitForLeaders: true,
      });
    }
    const present = specs.filter((s) => existing.has(s.topic));
    if (present.length > 0) {
      const metadata = await admin.fetchTopicMetadata({ topics: present.map((s) => s.topic) });
      const grow = metadata.topics
        .map((t) => ({
          topic: t.name,
          count: specs.find((s) => s.topic === t.name)!.numPartitions,
          now: t.partitions.length,
        }))
        .filter((t) => t.count > t.now);
      if (grow.length > 0)
        await admin.createPartitions({ topicPartitions: grow.map(({ topic, count }) => ({ topic, count })) });
    }
  } finally {
    await admin.disconnect();
  }
}
