/**
 * Every topic of the pipeline, in one place. Each consumer's input and dead-letter topic are
 * named beside its group id in its service's config; the data flow is:
 *   receiver --raw--> normalizer --samples--> writer --> ClickHouse
 *   normalizer/writer --dead-letter--> (operators)
 *   normalizer --types--> normalizer, receiver (OpenObserve type registry, compacted)
 */
export interface TopicNames {
  readonly raw: string;
  readonly samples: string;
  readonly deadLetter: string;
  readonly types: string;
}

/** A prefix (KAFKA_TOPIC_PREFIX) lets several pipelines, or test runs, share one Kafka cluster. */
export function topicNames(prefix = ''): TopicNames {
  return {
    raw: `${prefix}metrics.raw`,
    samples: `${prefix}metrics.samples`,
    deadLetter: `${prefix}metrics.dead-letter`,
    types: `${prefix}metrics.types`,
  };
}

export interface TopicSettings {
  readonly partitions: number;
  readonly retentionHours: number;
}

export interface TopicSpec {
  readonly topic: string;
  readonly numPartitions: number;
  readonly configEntries: { name: string; value: string }[];
}

const MAX_MESSAGE_BYTES = String(25 * 1024 * 1024);

/** Topic definitions from settings; the types registry is compacted and kept forever. */
export function topicSpecs(names: TopicNames, settings: TopicSettings): TopicSpec[] {
  const retention = String(settings.retentionHours * 3600 * 1000);
  const data = (topic: string): TopicSpec => ({
    topic,
    numPartitions: settings.partitions,
    configEntries: [
      { name: 'retention.ms', value: retention },
      { name: 'max.message.bytes', value: MAX_MESSAGE_BYTES },
    ],
  });
  return [
    data(names.raw),
    data(names.samples),
    data(names.deadLetter),
    {
      topic: names.types,
      numPartitions: 1,
      configEntries: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'retention.ms', value: '-1' },
      ],
    },
  ];
}
