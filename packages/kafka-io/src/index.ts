export { TOPICS, topicSpecs, type TopicName, type TopicSettings, type TopicSpec } from './topics.js';
export { createKafka, type KafkaConnectOptions } from './kafka-client.js';
export { ensureTopics } from './ensure-topics.js';
export { BatchingProducer, QueueUnavailableError, type BatchingProducerOptions, type OutgoingMessage } from './batching-producer.js';
export { retryForever, isRetriableKafkaError } from './retry.js';
export { type RawPayload, rawPayloadMessage, readRawPayload, type ReadRawPayload } from './raw-payload.js';
export { SAMPLE_HEADERS, headerString } from './headers.js';
