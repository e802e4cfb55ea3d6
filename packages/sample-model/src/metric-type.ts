export const METRIC_TYPES = ['gauge', 'counter', 'histogram', 'summary'] as const;

/** The type a metric was ingested as; stored in `metrics.samples.type`. */
export type MetricType = (typeof METRIC_TYPES)[number];

export function isMetricType(value: unknown): value is MetricType {
  return typeof value === 'string' && (METRIC_TYPES as readonly string[]).includes(value);
}
