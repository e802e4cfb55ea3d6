import type { MetricType, Sample, Tag } from '@pipeline/sample-model';
import { expect } from 'vitest';
import { emitOpenObserveSamples } from './emit-samples.js';
import { processOpenObservePayload } from './process-payload.js';
import { createOpenObserveShapes, type OpenObserveShapes } from './scan-json.js';
import type { OpenObserveContext, PayloadResult } from './types.js';

/** Reception time used by the tests: 2023-11-14T22:13:20.123456Z. */
export const RECEIVED_AT_US = 1_700_000_000_123_456;

export function context(
  overrides: { known?: Record<string, MetricType>; maxFields?: number } = {},
): OpenObserveContext {
  const known = new Map(Object.entries(overrides.known ?? {}));
  return {
    receivedAtUs: RECEIVED_AT_US,
    maxFieldsPerRecord: overrides.maxFields ?? 200,
    knownTypes: { get: (stream) => known.get(stream) },
  };
}

type Processed = Extract<PayloadResult, { ok: true }>;

/** Processes a body given as text, or as records sent as a JSON array; fails the test on a body error. */
export function run(body: string | unknown[], ctx: OpenObserveContext = context()): Processed {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const result = processOpenObservePayload(Buffer.from(text), ctx);
  if (!result.ok) throw new Error(`unexpected body error: ${result.error}`);
  return result;
}

/** A sample as a plain object, to compare with toEqual. */
export function sample(
  name: string,
  type: MetricType,
  tags: [string, string][],
  timestampUs: number,
  value: number,
): Sample {
  return { name, type, tags, timestampUs, value, dtRaw: '' };
}

type Series = { name: string; type: MetricType; tags: readonly Tag[] };

/** Shapes kept across the checks of a test file, so that later bodies meet the shapes of earlier ones. */
const testShapes = createOpenObserveShapes<Series>();

/** Bodies the fast path took, of those checked (so that a test can tell it was exercised). */
export const fastPathTaken = { bodies: 0, of: 0 };

/**
 * The fast path (emitOpenObserveSamples) gives exactly the full path's samples and registrations,
 * or declines and adds none; it declines every body with a refused record.
 */
export function expectSameSamples(
  body: Buffer,
  ctx: OpenObserveContext,
  shapes: OpenObserveShapes<Series> = testShapes,
): number | undefined {
  const full = processOpenObservePayload(body, ctx);
  const got: Sample[] = [];
  const out = emitOpenObserveSamples(body, ctx, 'acme', shapes, {
    seriesOf: ({ name, type, tags }) => ({ name, type, tags }),
    add: (series, timestampUs, value, dtRaw) => got.push({ ...series, timestampUs, value, dtRaw }),
  });
  fastPathTaken.of++;
  if (out === undefined) {
    expect(got).toEqual([]);
    return undefined;
  }
  fastPathTaken.bodies++;
  expect(full.ok && full.rejected).toEqual([]);
  expect(out.samples).toBe(got.length);
  // toEqual compares numbers with Object.is: -0 is not 0, as it is not in the stored row.
  expect(got).toEqual(full.ok ? full.samples : undefined);
  expect(out.registrations).toEqual(full.ok ? full.registrations : undefined);
  return out.samples;
}

/** A receiver's shapes kept across the checks of a test file, as the route keeps them across requests. */
export const testStatusShapes = createOpenObserveShapes<never>(200_000);

/**
 * A receiver's statuses with its shapes (records of known shapes read as such) are exactly those
 * without: checked three times, so that the second read meets the shapes the first one made, and
 * the third the body shape the second may have learned.
 */
export function expectSameStatusesWithShapes(body: Buffer, ctx: OpenObserveContext): void {
  const statusCtx = { ...ctx, statusOnly: true };
  const plain = processOpenObservePayload(body, statusCtx);
  for (let read = 0; read < 3; read++)
    expect(processOpenObservePayload(body, statusCtx, testStatusShapes)).toEqual(plain);
}
