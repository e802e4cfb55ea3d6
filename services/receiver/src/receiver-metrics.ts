import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * Every request is counted by dialect and status, every record by dialect and outcome. The reason
 * of each refused record is in the answer and in the dead-letter topic, not in a label: reasons name
 * fields and values, which would make a label's cardinality unbounded.
 */
export function createReceiverMetrics(registry: Registry) {
  return {
    requests: new Counter({
      name: 'receiver_requests_total',
      help: 'HTTP ingestion requests by dialect and status code',
      labelNames: ['dialect', 'status'] as const,
      registers: [registry],
    }),
    records: new Counter({
      name: 'receiver_records_total',
      help: 'Records received by dialect and outcome (accepted, rejected)',
      labelNames: ['dialect', 'outcome'] as const,
      registers: [registry],
    }),
    bodyBytes: new Counter({
      name: 'receiver_body_bytes_total',
      help: 'Decompressed body bytes published to Kafka',
      labelNames: ['dialect'] as const,
      registers: [registry],
    }),
    ackSeconds: new Histogram({
      name: 'receiver_kafka_ack_seconds',
      help: 'Time from publish to the broker acknowledgement',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

export type ReceiverMetrics = ReturnType<typeof createReceiverMetrics>;
