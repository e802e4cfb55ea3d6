import type { RejectedRecord, Sample } from '@pipeline/sample-model';
import { decodeOpenObserveBody } from './decode-body.js';
import { normalizeRecord } from './normalize-record.js';
import { type OpenObserveShapes, scanOpenObserveJson } from './scan-json.js';
import { StreamTally } from './stream-status.js';
import { PayloadTypes } from './type-registry.js';
import type { OpenObserveContext, PayloadResult } from './types.js';

/**
 * The whole dialect for one request body. Pure and deterministic given (body, ctx), so the
 * receiver's response and the normalizer's samples always agree. `shapes` (the receiver's, kept
 * from body to body) only make the statuses cheaper, never different.
 */
export function processOpenObservePayload(
  body: Buffer,
  ctx: OpenObserveContext,
  shapes?: OpenObserveShapes<never>,
): PayloadResult {
  if (ctx.statusOnly === true) {
    // Counting needs no objects: statuses straight from the bytes, the same ones (scan-json.ts).
    const scanned = scanOpenObserveJson(body, ctx, shapes);
    if (scanned !== undefined) return { ok: true, samples: [], ...scanned };
  }
  const decoded = decodeOpenObserveBody(body);
  if (!decoded.ok) return decoded;
  const { records } = decoded;
  const types = new PayloadTypes(ctx.knownTypes);
  const tally = new StreamTally();
  const samples: Sample[] = [];
  const rejected: RejectedRecord[] = [];
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    const result = normalizeRecord(record, ctx, types);
    if (result.ok) {
      tally.succeeded(result.stream);
      if (result.sample !== undefined) samples.push(result.sample);
    } else {
      tally.failed(result.stream, result.reason);
      rejected.push({ index, reason: result.reason, record });
    }
  }
  return {
    ok: true,
    samples,
    streams: tally.statuses(),
    rejected,
    registrations: types.registrations,
    records: records.length,
  };
}
