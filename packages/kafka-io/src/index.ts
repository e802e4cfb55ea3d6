export {
  BatchingProducer,
  type BatchingProducerOptions,
  type OutgoingMessage,
  QueueUnavailableError,
} from './batching-producer.js';
export { exitWhenConsumerGivesUp } from './crash-policy.js';
export { ensureTopics } from './ensure-topics.js';
export { headerString } from './headers.js';
export { createKafka, IDLE_FETCH_WAIT_MS, type KafkaConnectOptions } from './kafka-client.js';
export { type KafkaSettings, readKafkaSettings } from './kafka-settings.js';
export { type NativeCrc32cState, useNativeCrc32c } from './native-crc32c.js';
export { useOneBufferProduce } from './produce-request.js';
export {
  type RawPayload,
  type ReadRawPayload,
  rawPayloadMessage,
  rawPayloadSize,
  readRawPayload,
} from './raw-payload.js';
export { type RequestQueueTimerState, stopIdleRequestQueueTimers } from './request-queue-timer.js';
export { ResettableProducer } from './resettable-producer.js';
export { isRetriableKafkaError, retryForever } from './retry.js';
export {
  type RowFormat,
  readSampleRows,
  SAMPLE_HEADERS,
  type SampleRows,
  type SeriesFeedRole,
  sampleRowsMessage,
} from './sample-rows.js';
export { type TopicNames, type TopicSettings, type TopicSpec, topicNames, topicSpecs } from './topics.js';
