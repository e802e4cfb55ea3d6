export { nowMicros } from './clock.js';
export { EPOCH_THRESHOLDS, epochToMicros } from './epoch-magnitude.js';
export { parseIsoTimestampToMicros } from './iso-timestamp.js';
export { checkTimeWindow, type TimeWindow } from './time-window.js';
