export { ACCEPTED_CONTENT_TYPES, type BodyFormat, formatFromContentType } from './content-type.js';
export { type DecodeResult, decodeBetterStackBody } from './decode-body.js';
export { emitBetterStackSamples } from './emit-samples.js';
export {
  type BetterStackContext,
  normalizeBetterStackRecord,
  type RecordResult,
} from './normalize-record.js';
export { type PayloadResult, processBetterStackPayload } from './process-payload.js';
export { createVerdictShapes, type VerdictShapes } from './scan-records.js';
