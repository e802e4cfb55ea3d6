import { RecordShapes } from '@pipeline/record-shapes';
import type { MetricType, Sample, Tag } from '@pipeline/sample-model';
import { expect } from 'vitest';
import type { BodyFormat } from './content-type.js';
import { emitBetterStackSamples } from './emit-samples.js';
import type { BetterStackContext } from './normalize-record.js';
import { processBetterStackPayload } from './process-payload.js';
import { createVerdictShapes } from './scan-records.js';

type Series = { name: string; type: MetricType; tags: readonly Tag[] };

/** Shapes kept across the checks of a test file, so that later bodies meet the shapes of earlier ones. */
export const testShapes = new RecordShapes<Series>();

/** Bodies the fast path took, of those checked (so that a test can tell it was exercised). */
export const fastPathTaken = { bodies: 0, of: 0 };

/**
 * The fast path (emitBetterStackSamples) gives exactly the full path's samples, or declines and
 * adds none; it declines every body with a rejected record (and may decline others: those with a
 * record its scan cannot vouch for).
 */
export function expectSameSamples(
  body: Buffer,
  format: BodyFormat,
  ctx: BetterStackContext,
  shapes: RecordShapes<Series> = testShapes,
): number | undefined {
  const full = processBetterStackPayload(body, format, ctx);
  const got: Sample[] = [];
  const added = emitBetterStackSamples(body, format, ctx, 'acme', shapes, {
    seriesOf: ({ name, type, tags }) => ({ name, type, tags }),
    add: (series, timestampUs, value, dtRaw) => got.push({ ...series, timestampUs, value, dtRaw }),
  });
  fastPathTaken.of++;
  if (added === undefined) {
    expect(got).toEqual([]);
  } else {
    fastPathTaken.bodies++;
    expect(full.ok && full.rejected).toEqual([]);
    expect(added).toBe(got.length);
    // toEqual compares numbers with Object.is: -0 is not 0, as it is not in the stored row.
    expect(got).toEqual(full.ok ? full.samples : undefined);
  }
  return added;
}

/** A receiver's shapes kept across the checks of a test file, as the route keeps them across requests. */
export const testVerdictShapes = createVerdictShapes(200_000, 64 * 1024 * 1024);

/**
 * A receiver's verdicts with its shapes (records of known shapes read as such) are exactly those
 * without: checked twice, so that the second read meets the shapes the first one made.
 */
export function expectSameVerdictsWithShapes(
  body: Buffer,
  format: BodyFormat,
  ctx: BetterStackContext,
): void {
  const statusCtx = { ...ctx, statusOnly: true };
  const plain = processBetterStackPayload(body, format, statusCtx);
  expect(processBetterStackPayload(body, format, statusCtx, testVerdictShapes)).toEqual(plain);
  expect(processBetterStackPayload(body, format, statusCtx, testVerdictShapes)).toEqual(plain);
}
