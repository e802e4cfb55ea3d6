export type { MetricType } from './metric-type.js';
export { isMetricType, METRIC_TYPES } from './metric-type.js';
export type { Dialect, RejectedRecord } from './outcome.js';
export { DIALECTS, isDialect } from './outcome.js';
export {
  encodeSampleRow,
  encodeSampleRows,
  SAMPLE_ROW_COLUMNS,
  SampleRowWriter,
  SeriesRowCache,
  tsvArray,
  tsvField,
} from './row-encoding.js';
export type { Sample, Tag } from './sample.js';
export { makeSample, sortTags, withTag } from './sample.js';
export { seriesIdOfKey, seriesKey } from './series-id.js';
