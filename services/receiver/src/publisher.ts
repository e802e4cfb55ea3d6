import type { OutgoingMessage } from '@pipeline/kafka-io';

/** What the routes need of Kafka: publish and hear the acknowledgement. BatchingProducer is one. */
export interface Publisher {
  publish(topic: string, message: OutgoingMessage): Promise<void>;
  readonly healthy: boolean;
}
