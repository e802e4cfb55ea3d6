export type { MetricType } from './metric-type.js';
export { isMetricType, METRIC_TYPES } from './metric-type.js';
export type { Dialect, RejectedRecord } from './outcome.js';
export { DIALECTS, isDialect } from './outcome.js';
export { decodeSampleRows, type SampleRow, sampleRowsError } from './row-decoding.js';
export {
  encodeSampleRows,
  METRIC_TYPE_CODES,
  SAMPLE_ROW_COLUMNS,
  SampleRowWriter,
  type SeriesEntry,
  SeriesRowCache,
} from './row-encoding.js';
export type { Sample, SampleSink, Tag } from './sample.js';
export { makeSample, sortTags, withTag } from './sample.js';
export { type FeedSlot, SeriesFeed, utcDayOf } from './series-feed.js';
export { seriesIdOfKey, seriesKey } from './series-id.js';
