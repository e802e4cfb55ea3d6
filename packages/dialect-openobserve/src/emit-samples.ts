import { RecordHoles, type RecordShape, ShapeWalk } from '@pipeline/record-shapes';
import type { SampleSink } from '@pipeline/sample-model';
import { normalizeRecord } from './normalize-record.js';
import {
  eachOpenObserveVerdict,
  type OpenObserveShapes,
  type RecordStream,
  ROLE_VALUE,
  streamOf,
  type VisitRecord,
  VOUCHED,
} from './scan-json.js';
import { PayloadTypes } from './type-registry.js';
import type { OpenObserveContext, TypeRegistration } from './types.js';

const holes = new RecordHoles<number>();
const walk = new ShapeWalk<unknown, RecordStream>();

/**
 * The normalizer's fast path for OpenObserve, as emitBetterStackSamples is for Better Stack: the
 * samples of a body whose every record is valid, into `sink`, each record read once from its bytes
 * (scan-json.ts). A record whose shape (record-shapes) was seen before is its shape's series with
 * the value and time from its holes (only the holes' tokens read when it is the shape predicted),
 * its stream's type admitted by the same PayloadTypes as on the full path; a new shape is decoded
 * alone and judged by normalizeRecord, the one implementation of the rules, and kept only if its
 * sample is exactly what its holes hold.
 *
 * Returns the samples added and the types the body registers, or undefined, having added none,
 * when the body must take the full path (processOpenObservePayload): it is not JSON of records,
 * a record is refused or one the scan cannot vouch for, or lately records have not repeated.
 */
export function emitOpenObserveSamples<S>(
  body: Buffer,
  ctx: OpenObserveContext,
  org: string,
  shapes: OpenObserveShapes<S>,
  sink: SampleSink<S>,
): { samples: number; registrations: TypeRegistration[] } | undefined {
  const sampleCtx: OpenObserveContext = ctx.statusOnly === true ? { ...ctx, statusOnly: false } : ctx;
  const types = new PayloadTypes(ctx.knownTypes);
  const records = walk as ShapeWalk<S, RecordStream>;
  if (!records.begin(shapes, org)) return undefined;
  const visit: VisitRecord<S> = (verdict, start, end, record, known) => {
    if (verdict !== VOUCHED) return false;
    const { stream, type } = record;
    let shape = known ?? records.find(body, start, end, holes);
    if (shape !== undefined) {
      // The scan read this record's stream and type from the same bytes as the shape's.
      if (types.admit(stream, type) !== undefined) return false;
    } else {
      shape = newShape(body, start, end, sampleCtx, record, types, records, sink);
      if (shape === undefined) return false;
    }
    records.take(shape, holes, holes.time!, '');
    return true;
  };
  if (!eachOpenObserveVerdict(body, ctx, holes, records, visit) || records.records === 0) {
    records.abandon();
    return undefined;
  }
  return { samples: records.finish(sink), registrations: types.registrations };
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
  record: RecordStream,
  types: PayloadTypes,
  records: ShapeWalk<S, RecordStream>,
  sink: SampleSink<S>,
): RecordShape<S, RecordStream> | undefined {
  const { stream, type } = record;
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
  return records.add(body, start, end, holes, [sink.seriesOf(sample)], [valueHole], streamOf(record));
}
