export type { MetricType } from './metric-type.js';
export { METRIC_TYPES, isMetricType } from './metric-type.js';
export type { Sample, Tag } from './sample.js';
export { sortTags, makeSample } from './sample.js';
export type { Dialect, RejectedRecord } from './outcome.js';
export { DIALECTS, isDialect } from './outcome.js';
export { encodeSampleRow, encodeSampleRows } from './row-encoding.js';
export { SeriesIdCache, seriesIdOfKey, seriesKey } from './series-id.js';
