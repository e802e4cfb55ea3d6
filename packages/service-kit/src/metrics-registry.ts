import { collectDefaultMetrics, Registry } from 'prom-client';

export type MetricsRegistry = Registry;

/** A registry per service, with the process metrics (CPU, RSS, event loop lag) every service reports. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'pipeline_' });
  return registry;
}
