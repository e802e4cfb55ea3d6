import type { EnvReader } from '@pipeline/config';
import { type TopicNames, type TopicSettings, topicNames } from './topics.js';

/** The Kafka settings every service shares, read the same way everywhere. */
export interface KafkaSettings extends TopicSettings {
  readonly brokers: string[];
  readonly topics: TopicNames;
  /** A consumer silent this long is dropped from its group and its partitions move on. */
  readonly sessionTimeoutMs: number;
}

export function readKafkaSettings(env: EnvReader): KafkaSettings {
  return {
    brokers: env.list('KAFKA_BROKERS', ['127.0.0.1:19092']),
    topics: topicNames(env.string('KAFKA_TOPIC_PREFIX', '')),
    partitions: env.int('KAFKA_TOPIC_PARTITIONS', 8, { min: 1 }),
    retentionHours: env.int('KAFKA_TOPIC_RETENTION_HOURS', 168, { min: 1 }),
    sessionTimeoutMs: env.int('KAFKA_SESSION_TIMEOUT_MS', 10_000, { min: 6000, max: 300_000 }),
  };
}
