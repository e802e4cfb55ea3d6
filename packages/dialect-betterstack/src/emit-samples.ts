import { RecordHoles, type RecordShape, type RecordShapes, ShapeWalk } from '@pipeline/record-shapes';
import type { Sample, SampleSink } from '@pipeline/sample-model';
import type { BodyFormat } from './content-type.js';
import { decodeMsgpack } from './msgpack-codec.js';
import { type BetterStackContext, normalizeInto } from './normalize-record.js';
import type { ResolvedTime } from './resolve-dt.js';
import { eachJsonVerdict } from './scan-json.js';
import { eachMsgpackVerdict, msgpackStringsAreUtf8 } from './scan-msgpack.js';
import { ROLE_COUNT, ROLE_SUM, ROLE_VALUE, VALID, type VisitRecord } from './scan-records.js';

const holes = new RecordHoles<ResolvedTime>();
const walk = new ShapeWalk<unknown>();

/**
 * The normalizer's fast path: the samples of a body whose every record is valid, into `sink`,
 * each record read once from its bytes (scan-records.ts). A record whose shape (record-shapes) was
 * seen before is its shape's series with the values and time from its holes (and when it is the
 * shape predicted, only its holes' tokens are read; the rest is compared); a new shape is
 * decoded alone and expanded by normalizeInto, the one implementation of the rules, and kept only
 * if its samples are exactly what its holes hold.
 *
 * Returns how many samples were added, or undefined, having added none, when the body must take
 * the full path (processBetterStackPayload): it is not a document of records, a record is invalid
 * or one the scan cannot vouch for, or lately records have not repeated (RecordShapes).
 */
export function emitBetterStackSamples<S>(
  body: Buffer,
  format: BodyFormat,
  ctx: BetterStackContext,
  org: string,
  shapes: RecordShapes<S>,
  sink: SampleSink<S>,
): number | undefined {
  const sampleCtx: BetterStackContext = ctx.statusOnly === true ? { ...ctx, statusOnly: false } : ctx;
  const records = walk as ShapeWalk<S>;
  if (!records.begin(shapes, org)) return undefined;
  const visit: VisitRecord<S, undefined> = (verdict, start, end, known) => {
    if (verdict !== VALID) return false;
    const time = holes.time;
    const timestampUs = time === undefined ? ctx.receivedAtUs : time.timestampUs;
    const dtRaw = time === undefined ? '' : time.dtRaw;
    const shape =
      known ??
      records.find(body, start, end, holes) ??
      newShape(body, format, start, end, timestampUs, dtRaw, sampleCtx, records, sink);
    if (shape === undefined) return false;
    records.take(shape, holes, timestampUs, dtRaw);
    return true;
  };
  const walked =
    format === 'msgpack'
      ? eachMsgpackVerdict(body, ctx, holes, records, visit)
      : eachJsonVerdict(body, format, ctx, holes, records, visit);
  if (walked && records.records > 0) return records.finish(sink);
  records.abandon();
  return undefined;
}

/**
 * The shape of the record in body[start, end) from its decoded samples; undefined when they and
 * its holes (values, and the time the scan resolved) disagree.
 */
function newShape<S>(
  body: Buffer,
  format: BodyFormat,
  start: number,
  end: number,
  timestampUs: number,
  dtRaw: string,
  ctx: BetterStackContext,
  records: ShapeWalk<S>,
  sink: SampleSink<S>,
): RecordShape<S> | undefined {
  const record = decodeRecord(body, format, start, end);
  if (record === undefined) return undefined;
  const samples: Sample[] = [];
  if (normalizeInto(record.value, ctx, samples) !== undefined) return undefined;
  const valueHoles = holesOfSamples(samples.length);
  if (valueHoles === undefined) return undefined;
  for (let k = 0; k < samples.length; k++) {
    const sample = samples[k]!;
    if (
      !Object.is(sample.value, holes.values[valueHoles[k]!]) ||
      sample.timestampUs !== timestampUs ||
      sample.dtRaw !== dtRaw
    )
      return undefined;
  }
  const series = samples.map((sample) => sink.seriesOf(sample));
  return records.add(body, start, end, holes, series, valueHoles, undefined);
}

function decodeRecord(
  body: Buffer,
  format: BodyFormat,
  start: number,
  end: number,
): { value: unknown } | undefined {
  if (format !== 'msgpack') return { value: JSON.parse(body.toString('utf8', start, end)) };
  // The decoder reads malformed UTF-8 past a string's end: alone, such a record could decode
  // otherwise than in its body. Valid UTF-8 decodes the same either way.
  if (!msgpackStringsAreUtf8(body, start, end)) return undefined;
  const decoded = decodeMsgpack(body.subarray(start, end));
  return decoded.ok ? { value: decoded.value } : undefined;
}

/**
 * For each of a record's `samples` in expansion order (expandMetric), the hole holding its value:
 * a gauge's or counter's value; a distribution's points by index, then its sum, then its count.
 * Undefined when the holes are not one per sample.
 */
function holesOfSamples(samples: number): number[] | undefined {
  const out: number[] = [];
  if (holes.indexOf(ROLE_SUM) < 0) {
    if (samples !== 1) return undefined;
    out.push(holes.indexOf(ROLE_VALUE));
  } else {
    const points = samples - 2;
    for (let i = 0; i < points; i++) out.push(holes.indexOf(i));
    out.push(holes.indexOf(ROLE_SUM), holes.indexOf(ROLE_COUNT));
  }
  return out.every((h) => h >= 0) ? out : undefined;
}
