import type { RejectedRecord, Sample } from '@pipeline/sample-model';
import type { BodyFormat } from './content-type.js';
import { decodeBetterStackBody } from './decode-body.js';
import { type BetterStackContext, normalizeInto } from './normalize-record.js';
import { scanBetterStackJson } from './scan-json.js';
import { scanBetterStackMsgpack } from './scan-msgpack.js';
import type { VerdictShapes } from './scan-records.js';

export type PayloadResult =
  | { ok: false; error: string }
  | { ok: true; samples: Sample[]; accepted: number; rejected: RejectedRecord[]; records: number };

/**
 * Decodes a body and normalizes every record. Deterministic in (body, format, ctx): the receiver
 * calls it to answer the client and the normalizer calls it again to produce the samples. `shapes`
 * (the receiver's, kept from body to body) only make the verdicts cheaper, never different.
 */
export function processBetterStackPayload(
  body: Buffer,
  format: BodyFormat,
  ctx: BetterStackContext,
  shapes?: VerdictShapes,
): PayloadResult {
  if (ctx.statusOnly === true) {
    // Counting needs no objects: verdicts straight from the bytes, the same ones (scan-records.ts).
    const scanned =
      format === 'msgpack'
        ? scanBetterStackMsgpack(body, ctx, shapes)
        : scanBetterStackJson(body, format, ctx, shapes);
    if (scanned !== undefined) return { ok: true, samples: [], ...scanned };
  }
  const decoded = decodeBetterStackBody(body, format);
  if (!decoded.ok) return decoded;
  const records = decoded.records;
  if (records.length === 0) return { ok: false, error: 'no records in body' };
  const samples: Sample[] = [];
  const rejected: RejectedRecord[] = [];
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    const reason = normalizeInto(record, ctx, samples);
    if (reason !== undefined) rejected.push({ index, reason, record });
  }
  return { ok: true, samples, accepted: records.length - rejected.length, rejected, records: records.length };
}
