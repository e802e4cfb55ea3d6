export { epochToMicros, EPOCH_THRESHOLDS } from './epoch-magnitude.js';
export { parseIsoTimestampToMicros } from './iso-timestamp.js';
export { checkTimeWindow, type TimeWindow } from './time-window.js';
export { nowMicros } from './clock.js';
