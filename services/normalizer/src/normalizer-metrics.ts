import { Counter, type Registry } from 'prom-client';

export function createNormalizerMetrics(registry: Registry) {
  return {
    payloads: new Counter({
      name: 'normalizer_payloads_total',
      help: 'Raw payloads read, by dialect and outcome (normalized, unreadable)',
      labelNames: ['dialect', 'outcome'] as const,
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
    typeRegistrations: new Counter({
      name: 'normalizer_type_registrations_total',
      help: 'First types recorded for OpenObserve streams',
      registers: [registry],
    }),
  };
}

export type NormalizerMetrics = ReturnType<typeof createNormalizerMetrics>;
