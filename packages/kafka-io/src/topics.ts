/**
 * Every topic of the pipeline, in one place. Each consumer's input and dead-letter topic are
 * named beside its group id in its service's config; the data flow is:
 *   receiver --raw--> normalizer --samples--> writer --> ClickHouse
 *   normalizer/writer --dead-letter--> (operators)
 *   normalizer --types--> normalizer, receiver (OpenObserve type registry, compacted)
 */
export const TOPICS = {
  raw: 'metrics.raw',
  samples: 'metrics.samples',
  deadLetter: 'metrics.dead-letter',
  types: 'metrics.types',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

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
export function topicSpecs(settings: TopicSettings): TopicSpec[] {
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
    data(TOPICS.raw),
    data(TOPICS.samples),
    data(TOPICS.deadLetter),
    {
      topic: TOPICS.types,
      numPartitions: 1,
      configEntries: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'retention.ms', value: '-1' },
      ],
    },
  ];
}
