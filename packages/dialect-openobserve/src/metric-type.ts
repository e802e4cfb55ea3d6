import type { MetricType } from '@pipeline/sample-model';
import { describeValue } from './describe-value.js';

const EXPECTED = 'expected counter, gauge, histogram or summary';

/** The record's `__type__`, or why it is not one; case-insensitive, with the seed's `guage`. */
export function parseMetricType(value: unknown): MetricType | { reason: string } {
  if (value === undefined) return { reason: `__type__ is required: ${EXPECTED}` };
  if (typeof value === 'string') {
    const known = lookup(value) ?? lookup(value.toLowerCase());
    if (known !== undefined) return known;
  }
  return { reason: `unknown __type__ ${describeValue(value)}: ${EXPECTED}` };
}

function lookup(text: string): MetricType | undefined {
  switch (text) {
    case 'counter':
      return 'counter';
    case 'gauge':
    case 'guage':
      return 'gauge';
    case 'histogram':
      return 'histogram';
    case 'summary':
      return 'summary';
    default:
      return undefined;
  }
}

/**
 * Whether a record of type `got` may join a stream registered as `registered`.
 * The one exception to "types are final": the seed's summary example sends its quantile rows as
 * counters under the summary's own name (`http_request_time`), right after the summary type row.
 * Refusing them would fail the documented way to send a summary.
 */
export function typeFits(registered: MetricType, got: MetricType): boolean {
  return registered === got || (registered === 'summary' && got === 'counter');
}
