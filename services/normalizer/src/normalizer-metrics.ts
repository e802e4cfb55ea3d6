import { Counter, type Registry } from 'prom-client';

export function createNormalizerMetrics(registry: Registry) {
  return {
    payloads: new Counter({
      name: 'normalizer_payloads_total',
      help: 'Raw payloads read, by dialect and outcome (normalized, unreadable)',
      labelNames: ['dialect', 'outcome'] as const,
      registers: [registry],
    }),
    payloadPaths: new Counter({
      name: 'normalizer_payload_paths_total',
      help: 'Payloads normalized, by how: shapes (every record read in place, by its bytes) or decoded (the whole body decoded: it holds a rejected or unusual record)',
      labelNames: ['dialect', 'path'] as const,
      registers: [registry],
    }),
    samples: new Counter({
      name: 'normalizer_samples_total',
      help: 'Samples produced to the samples topic, by dialect',
      labelNames: ['dialect'] as const,
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'normalizer_records_rejected_total',
      help: 'Records dead-lettered, by dialect',
      labelNames: ['dialect'] as const,
      registers: [registry],
    }),
    seriesFeedRows: new Counter({
      name: 'normalizer_series_feed_rows_total',
      help: 'Rows reported to the series feed (the first and last sample of each series and day since the last report)',
      registers: [registry],
    }),
    seriesFeedReports: new Counter({
      name: 'normalizer_series_feed_reports_total',
      help: 'Series feed reports acknowledged by Kafka, after which raw offsets are committed',
      registers: [registry],
    }),
    typeRegistrations: new Counter({
      name: 'normalizer_type_registrations_total',
      help: 'First types recorded for OpenObserve streams',
      registers: [registry],
    }),
  };
}

export type NormalizerMetrics = ReturnType<typeof createNormalizerMetrics>;
