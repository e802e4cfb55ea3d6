import { type Env, readEnv } from '@pipeline/config';

export interface NormalizerConfig {
  readonly host: string;
  readonly port: number;
  readonly kafkaBrokers: string[];
  readonly groupId: string;
  readonly topicPartitions: number;
  readonly topicRetentionHours: number;
  /** Partitions of the raw topic worked on at once by this process. */
  readonly partitionsConcurrently: number;
  /** Largest samples message; bigger outputs are split. */
  readonly maxOutputMessageBytes: number;
}

export function loadNormalizerConfig(env: Env = process.env): NormalizerConfig & { variables: ReadonlySet<string> } {
  const e = readEnv(env);
  const config: NormalizerConfig = {
    host: e.string('HOST', '0.0.0.0'),
    port: e.int('PORT', 8081, { min: 0, max: 65535 }),
    kafkaBrokers: e.list('KAFKA_BROKERS', ['127.0.0.1:19092']),
    groupId: e.string('NORMALIZER_GROUP_ID', 'normalizer'),
    topicPartitions: e.int('KAFKA_TOPIC_PARTITIONS', 8, { min: 1 }),
    topicRetentionHours: e.int('KAFKA_TOPIC_RETENTION_HOURS', 168, { min: 1 }),
    partitionsConcurrently: e.int('NORMALIZER_PARTITIONS_CONCURRENTLY', 2, { min: 1 }),
    maxOutputMessageBytes: e.int('NORMALIZER_MAX_OUTPUT_MESSAGE_BYTES', 1024 * 1024, { min: 4096 }),
  };
  return { ...config, variables: e.names };
}
