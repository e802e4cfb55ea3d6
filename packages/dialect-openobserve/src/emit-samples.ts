import {
  PendingRows,
  RecordHoles,
  type RecordShape,
  type RecordShapes,
  shapeHash,
} from '@pipeline/record-shapes';
import type { MetricType, SampleSink } from '@pipeline/sample-model';
import { normalizeRecord } from './normalize-record.js';
import { eachOpenObserveVerdict, ROLE_VALUE, VOUCHED } from './scan-json.js';
import { PayloadTypes } from './type-registry.js';
import type { OpenObserveContext, TypeRegistration } from './types.js';

const holes = new RecordHoles<number>();
const pending = new PendingRows<unknown>();

/**
 * The normalizer's fast path for OpenObserve, as emitBetterStackSamples is for Better Stack: the
 * samples of a body whose every record is valid, into `sink`, each record read once from its bytes
 * (scan-json.ts). A record whose shape (record-shapes) was seen before is its shape's series with
 * the value and time from its holes, its stream's type admitted by the same PayloadTypes as on the
 * full path; a new shape is decoded alone and judged by normalizeRecord, the one implementation of the
 * rules, and kept only if its sample is exactly what its holes hold.
 *
 * Returns the samples added and the types the body registers, or undefined, having added none,
 * when the body must take the full path (processOpenObservePayload): it is not JSON of records,
 * or a record is refused or one the scan cannot vouch for.
 */
export function emitOpenObserveSamples<S>(
  body: Buffer,
  ctx: OpenObserveContext,
  org: string,
  shapes: RecordShapes<S>,
  sink: SampleSink<S>,
): { samples: number; registrations: TypeRegistration[] } | undefined {
  const sampleCtx: OpenObserveContext = ctx.statusOnly === true ? { ...ctx, statusOnly: false } : ctx;
  const types = new PayloadTypes(ctx.knownTypes);
  const rows = pending as PendingRows<S>;
  rows.clear();
  let previous: RecordShape<S> | undefined;
  const visit = (verdict: number, start: number, end: number, stream: string, type: MetricType): boolean => {
    if (verdict !== VOUCHED) return false;
    let shape = shapes.find(org, body, start, end, holes, previous);
    if (shape !== undefined) {
      // The scan read this record's stream and type from the same bytes as the shape's.
      if (types.admit(stream, type) !== undefined) return false;
    } else {
      shape = newShape(body, start, end, sampleCtx, org, stream, type, types, shapes, sink, previous);
      if (shape === undefined) return false;
    }
    previous = shape;
    rows.push(shape, holes, holes.time!, '');
    return true;
  };
  if (!eachOpenObserveVerdict(body, ctx, holes, visit) || rows.records === 0) {
    rows.clear();
    return undefined;
  }
  return { samples: rows.addTo(sink), registrations: types.registrations };
}

/**
 * The shape of the record in body[start, end), judged (and its type admitted) by normalizeRecord;
 * undefined when it is refused or its sample and holes disagree.
 */
function newShape<S>(
  body: Buffer,
  start: number,
  end: number,
  ctx: OpenObserveContext,
  org: string,
  stream: string,
  type: MetricType,
  types: PayloadTypes,
  shapes: RecordShapes<S>,
  sink: SampleSink<S>,
  previous: RecordShape<S> | undefined,
): RecordShape<S> | undefined {
  const result = normalizeRecord(JSON.parse(body.toString('utf8', start, end)), ctx, types);
  if (!result.ok || result.sample === undefined) return undefined;
  const sample = result.sample;
  const valueHole = holes.indexOf(ROLE_VALUE);
  if (
    valueHole < 0 ||
    result.stream !== stream ||
    sample.type !== type ||
    !Object.is(sample.value, holes.values[valueHole]) ||
    sample.timestampUs !== holes.time ||
    sample.dtRaw !== ''
  )
    return undefined;
  return shapes.add(org, body, start, end, holes, [sink.seriesOf(sample)], [valueHole], previous);
}
