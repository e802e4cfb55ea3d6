import { type RecordShape, type RecordShapes, shapeHash } from '@pipeline/record-shapes';
import type { Sample } from '@pipeline/sample-model';
import type { BodyFormat } from './content-type.js';
import { decodeMsgpack } from './msgpack-codec.js';
import { type BetterStackContext, normalizeInto } from './normalize-record.js';
import { eachJsonVerdict } from './scan-json.js';
import { eachMsgpackVerdict, msgpackStringsAreUtf8 } from './scan-msgpack.js';
import { RecordHoles, ROLE_COUNT, ROLE_SUM, ROLE_VALUE, VALID } from './scan-records.js';

/** Where samples go, series first: a series is asked for once per record shape, then reused. */
export interface SampleSink<S> {
  seriesOf(sample: Sample): S;
  add(series: S, timestampUs: number, value: number, dtRaw: string): void;
}

const holes = new RecordHoles();
// What the walk found, record by record, added to the sink only once the whole body is found
// valid: a body that takes the full path leaves nothing behind (its series feed included).
const found: RecordShape<unknown>[] = [];
const foundValues: number[] = [];
const foundTimes: number[] = [];
const foundDtRaw: string[] = [];

/**
 * The normalizer's fast path: the samples of a body whose every record is valid, into `sink`,
 * each record read once from its bytes (scan-records.ts). A record whose shape (record-shapes) was
 * seen before is its shape's series with the values and time from its holes; a new shape is
 * decoded alone and expanded by normalizeInto, the one implementation of the rules, and kept only
 * if its samples are exactly what its holes hold.
 *
 * Returns how many samples were added, or undefined, having added none, when the body must take
 * the full path (processBetterStackPayload): it is not a document of records, or a record is
 * invalid or one the scan cannot vouch for.
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
  found.length = 0;
  foundValues.length = 0;
  foundTimes.length = 0;
  foundDtRaw.length = 0;
  const visit = (verdict: number, start: number, end: number): boolean => {
    if (verdict !== VALID) return false;
    const hash = shapeHash(body, start, end, holes.at, holes.count);
    const shape =
      shapes.find(hash, org, body, start, end, holes.at, holes.count) ??
      newShape(body, format, start, end, hash, sampleCtx, org, shapes, sink);
    if (shape === undefined) return false;
    const time = holes.time;
    found.push(shape);
    foundTimes.push(time === undefined ? ctx.receivedAtUs : time.timestampUs);
    foundDtRaw.push(time === undefined ? '' : time.dtRaw);
    const values = holes.values;
    for (const h of shape.valueHoles) foundValues.push(values[h]!);
    return true;
  };
  const walked =
    format === 'msgpack'
      ? eachMsgpackVerdict(body, ctx, holes, visit)
      : eachJsonVerdict(body, format, ctx, holes, visit);
  if (!walked || found.length === 0) return undefined;
  let v = 0;
  for (let r = 0; r < found.length; r++) {
    const series = (found[r] as RecordShape<S>).series;
    const timestampUs = foundTimes[r]!;
    const dtRaw = foundDtRaw[r]!;
    for (let k = 0; k < series.length; k++) sink.add(series[k]!, timestampUs, foundValues[v++]!, dtRaw);
  }
  found.length = 0;
  return v;
}

/** The shape of the record in body[start, end) from its decoded samples; undefined when they and its holes disagree. */
function newShape<S>(
  body: Buffer,
  format: BodyFormat,
  start: number,
  end: number,
  hash: number,
  ctx: BetterStackContext,
  org: string,
  shapes: RecordShapes<S>,
  sink: SampleSink<S>,
): RecordShape<S> | undefined {
  const record = decodeRecord(body, format, start, end);
  if (record === undefined) return undefined;
  const samples: Sample[] = [];
  if (normalizeInto(record.value, ctx, samples) !== undefined) return undefined;
  const valueHoles = holesOfSamples(samples.length);
  if (valueHoles === undefined) return undefined;
  const time = holes.time;
  const timestampUs = time === undefined ? ctx.receivedAtUs : time.timestampUs;
  const dtRaw = time === undefined ? '' : time.dtRaw;
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
  return shapes.add(hash, org, body, start, end, holes.at, holes.count, series, valueHoles);
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
  const count = holes.count;
  const roles = holes.roles;
  const find = (role: number): number => {
    let found = -1;
    for (let h = 0; h < count; h++) {
      if (roles[h] !== role) continue;
      if (found >= 0) return -1;
      found = h;
    }
    return found;
  };
  const distribution = find(ROLE_SUM) >= 0;
  const out: number[] = [];
  if (!distribution) {
    if (samples !== 1) return undefined;
    out.push(find(ROLE_VALUE));
  } else {
    const points = samples - 2;
    for (let i = 0; i < points; i++) out.push(find(i));
    out.push(find(ROLE_SUM), find(ROLE_COUNT));
  }
  return out.every((h) => h >= 0) ? out : undefined;
}
