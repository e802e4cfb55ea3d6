export { decodeOpenObserveBody } from './decode-body.js';
export { emitOpenObserveSamples } from './emit-samples.js';
export { formatLabelKey, formatStreamName } from './names.js';
export { processOpenObservePayload } from './process-payload.js';
export { createOpenObserveShapes, type OpenObserveShapes } from './scan-json.js';
export { statusResponse } from './stream-status.js';
export type {
  DecodeResult,
  KnownTypes,
  OpenObserveContext,
  PayloadResult,
  StreamStatus,
  TypeRegistration,
} from './types.js';
