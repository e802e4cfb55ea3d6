import { makeSample, type Sample, sortTags, type Tag, withTag } from '@pipeline/sample-model';
import type { MetricBody } from './read-metric.js';

/**
 * Appends the samples of one validated record to `out`: one for a gauge or counter; for a histogram
 * or summary one per bucket/quantile under `name` with the `upper_limit`/`quantile` tag, then
 * `name_sum` and `name_count` (upstream: "you can use the following metrics"). All carry the
 * record's type, so a bucket of a histogram stays distinguishable from a plain gauge.
 */
export function expandMetric(
  name: string,
  metric: MetricBody,
  tags: readonly Tag[],
  timestampUs: number,
  dtRaw: string,
  out: Sample[],
): void {
  if (metric.kind === 'single') {
    out.push(makeSample({ name, type: metric.type, tags, timestampUs, value: metric.value, dtRaw }));
    return;
  }
  const { type, labelKey, labels, values } = metric;
  // Sorted once for all points; the expansion tag replaces a user tag of the same key.
  const sorted = sortTags(tags);
  for (let i = 0; i < labels.length; i++) {
    const pointTags = withTag(sorted, [labelKey, labels[i]!]);
    out.push(makeSample({ name, type, tags: pointTags, timestampUs, value: values[i]!, dtRaw }));
  }
  out.push(makeSample({ name: `${name}_sum`, type, tags: sorted, timestampUs, value: metric.sum, dtRaw }));
  out.push(
    makeSample({ name: `${name}_count`, type, tags: sorted, timestampUs, value: metric.count, dtRaw }),
  );
}
