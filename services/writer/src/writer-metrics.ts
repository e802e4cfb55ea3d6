import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export function createWriterMetrics(registry: Registry) {
  return {
    rowsInserted: new Counter({
      name: 'writer_rows_inserted_total',
      help: 'Sample rows ClickHouse accepted',
      registers: [registry],
    }),
    seriesFeedRowsInserted: new Counter({
      name: 'writer_series_feed_rows_total',
      help: 'Series feed rows ClickHouse accepted (for the series and metric_metadata tables)',
      registers: [registry],
    }),
    inserts: new Counter({
      name: 'writer_inserts_total',
      help: 'Insert statements by outcome (ok, retried, poison)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'writer_dead_letters_total',
      help: 'Samples messages ClickHouse refused for good, dead-lettered',
      registers: [registry],
    }),
    insertSeconds: new Histogram({
      name: 'writer_insert_seconds',
      help: 'Duration of successful inserts',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    bufferedBytes: new Gauge({
      name: 'writer_buffered_bytes',
      help: 'Row bytes waiting for an insert',
      registers: [registry],
    }),
  };
}

export type WriterMetrics = ReturnType<typeof createWriterMetrics>;
