import { type Env, readEnv } from '@pipeline/config';
import { type KafkaSettings, readKafkaSettings } from '@pipeline/kafka-io';

export interface NormalizerConfig {
  readonly host: string;
  readonly port: number;
  readonly kafka: KafkaSettings;
  readonly groupId: string;
  /** Partitions of the raw topic worked on at once by this process. */
  readonly partitionsConcurrently: number;
  /** Largest samples message; bigger outputs are split. */
  readonly maxOutputMessageBytes: number;
  /** Inflated body bytes normalized at once: their outputs are acknowledged and their offsets committed together. */
  readonly maxBatchBytes: number;
  /**
   * How often the series feed is reported (each series' first and last row since the last report,
   * for the series and metric_metadata tables). Raw offsets are committed with each report, so
   * this is also how much a restart replays, and how far those two tables lag the samples.
   */
  readonly seriesFeedIntervalMs: number;
  /** Series-days noted before a report is made early, which bounds the memory the feed holds. */
  readonly seriesFeedMaxSeries: number;
}

export function loadNormalizerConfig(
  env: Env = process.env,
): NormalizerConfig & { variables: ReadonlySet<string> } {
  const e = readEnv(env);
  const config: NormalizerConfig = {
    host: e.string('HOST', '0.0.0.0'),
    port: e.int('PORT', 8081, { min: 0, max: 65535 }),
    kafka: readKafkaSettings(e),
    // Prefixed like the topics, so pipelines sharing a cluster never share a group.
    groupId: e.string('NORMALIZER_GROUP_ID', `${e.string('KAFKA_TOPIC_PREFIX', '')}normalizer`),
    partitionsConcurrently: e.int('NORMALIZER_PARTITIONS_CONCURRENTLY', 2, { min: 1 }),
    maxOutputMessageBytes: e.int('NORMALIZER_MAX_OUTPUT_MESSAGE_BYTES', 1024 * 1024, { min: 4096 }),
    maxBatchBytes: e.int('NORMALIZER_MAX_BATCH_BYTES', 16 * 1024 * 1024, { min: 65536 }),
    seriesFeedIntervalMs: e.int('NORMALIZER_SERIES_FEED_INTERVAL_MS', 5000, { min: 10, max: 600_000 }),
    seriesFeedMaxSeries: e.int('NORMALIZER_SERIES_FEED_MAX_SERIES', 200_000, { min: 1 }),
  };
  return { ...config, variables: e.names };
}
