import { resolve } from 'node:path';
import type { StoreTarget } from '@pipeline/clickhouse-store';
import { ConfigError, type Env, readEnv } from '@pipeline/config';
import { type KafkaSettings, readKafkaSettings } from '@pipeline/kafka-io';

export interface WriterConfig {
  readonly host: string;
  readonly port: number;
  readonly kafka: KafkaSettings;
  readonly groupId: string;
  readonly store: StoreTarget;
  readonly database: string;
  /** An insert is sent when this many bytes of rows are waiting… */
  readonly batchMaxBytes: number;
  /** …or when the oldest waiting row is this old. */
  readonly batchMaxAgeMs: number;
  /** Attempts of an insert that failed with a non-retriable error before its messages are bisected and dead-lettered. */
  readonly poisonAttempts: number;
  /** Days of samples and series kept (0 = forever): a TTL on modern servers, dropped daily partitions on old ones. */
  readonly retentionDays: number;
}

export function loadWriterConfig(env: Env = process.env): WriterConfig & { variables: ReadonlySet<string> } {
  const e = readEnv(env);
  const url = e.optionalString('CLICKHOUSE_URL');
  const username = e.string('CLICKHOUSE_USER', 'default');
  const password = e.optionalString('CLICKHOUSE_PASSWORD') ?? '';
  const dataDir = resolve(e.string('CLICKHOUSE_DATA_DIR', '.data/clickhouse'));
  const store: StoreTarget =
    url === undefined ? { kind: 'embedded', path: dataDir } : { kind: 'server', url, username, password };
  if (url !== undefined && !/^https?:\/\//.test(url)) {
    throw new ConfigError(
      'CLICKHOUSE_URL',
      `must start with http:// or https://, got ${JSON.stringify(url)}`,
    );
  }
  const config: WriterConfig = {
    host: e.string('HOST', '0.0.0.0'),
    port: e.int('PORT', 8082, { min: 0, max: 65535 }),
    kafka: readKafkaSettings(e),
    // Prefixed like the topics, so pipelines sharing a cluster never share a group.
    groupId: e.string('WRITER_GROUP_ID', `${e.string('KAFKA_TOPIC_PREFIX', '')}writer`),
    store,
    database: e.string('CLICKHOUSE_DATABASE', 'metrics'),
    batchMaxBytes: e.int('WRITER_BATCH_MAX_BYTES', 16 * 1024 * 1024, { min: 1024 }),
    // 200 ms: rows are queryable soon after their 2xx, at most five inserts a second per writer.
    batchMaxAgeMs: e.int('WRITER_BATCH_MAX_AGE_MS', 200, { min: 10 }),
    poisonAttempts: e.int('WRITER_POISON_ATTEMPTS', 3, { min: 1 }),
    retentionDays: e.int('RETENTION_DAYS', 0, { min: 0, max: 36500 }),
  };
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(config.database)) {
    throw new ConfigError(
      'CLICKHOUSE_DATABASE',
      `must be an identifier, got ${JSON.stringify(config.database)}`,
    );
  }
  return { ...config, variables: e.names };
}
