/**
 * The same requests in each wire format: Better Stack JSON and MessagePack (records with
 * gauge/counter/histogram and an ISO 8601 `dt`), OpenObserve JSON (flat records, one per sample,
 * µs `_timestamp`) and Prometheus text for VictoriaMetrics (ms timestamps). Every format carries
 * the same samples: a histogram is its buckets (`upper_limit` / `le`), `_sum` and `_count`.
 */
import { encode as msgpackEncode } from '@msgpack/msgpack';
import type { BenchRecord, BenchRequest, Tags } from './dataset.js';

export type Format = 'bs-json' | 'bs-msgpack' | 'oo-json' | 'prometheus';

export interface EncodedBody {
  readonly bytes: Buffer;
  /** Stored samples the body becomes. */
  readonly samples: number;
}

const upperLimit = (bound: number, json: boolean): number | string =>
  bound === Number.POSITIVE_INFINITY ? (json ? '+Inf' : Number.POSITIVE_INFINITY) : bound;

/** A Better Stack record as a client builds it (JSON cannot hold Infinity: "+Inf" there, a float in MessagePack). */
function betterStackRecord(record: BenchRecord, dt: string, json: boolean): Record<string, unknown> {
  if (record.kind === 'histogram') {
    return {
      name: record.name,
      histogram: {
        buckets: record.bounds.map((bound, i) => ({
          upper_limit: upperLimit(bound, json),
          count: record.counts[i],
        })),
        sum: record.sum,
        count: record.count,
      },
      tags: record.tags,
      dt,
    };
  }
  return { name: record.name, [record.kind]: { value: record.value }, tags: record.tags, dt };
}

function openObserveRecords(record: BenchRecord, timestampUs: number): Record<string, unknown>[] {
  const flat = (name: string, tags: Tags, value: number, extra?: Record<string, string>) => ({
    __name__: name,
    __type__: record.kind,
    ...tags,
    ...extra,
    _timestamp: timestampUs,
    value,
  });
  if (record.kind !== 'histogram') return [flat(record.name, record.tags, record.value)];
  const out = record.bounds.map((bound, i) =>
    flat(`${record.name}_bucket`, record.tags, record.counts[i]!, {
      le: bound === Number.POSITIVE_INFINITY ? '+Inf' : String(bound),
    }),
  );
  out.push(flat(`${record.name}_sum`, record.tags, record.sum));
  out.push(flat(`${record.name}_count`, record.tags, record.count));
  return out;
}

const escapeLabel = (value: string) => value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));

function labels(tags: Tags, extra?: string): string {
  let out = '';
  for (const key of Object.keys(tags)) out += `${out === '' ? '' : ','}${key}="${escapeLabel(tags[key]!)}"`;
  if (extra !== undefined) out += `${out === '' ? '' : ','}${extra}`;
  return out;
}

function prometheusLines(record: BenchRecord, timestampMs: number): string {
  if (record.kind !== 'histogram')
    return `${record.name}{${labels(record.tags)}} ${record.value} ${timestampMs}\n`;
  let out = '';
  for (let i = 0; i < record.bounds.length; i++) {
    const bound = record.bounds[i]!;
    const le = bound === Number.POSITIVE_INFINITY ? '+Inf' : String(bound);
    out += `${record.name}_bucket{${labels(record.tags, `le="${le}"`)}} ${record.counts[i]} ${timestampMs}\n`;
  }
  out += `${record.name}_sum{${labels(record.tags)}} ${record.sum} ${timestampMs}\n`;
  out += `${record.name}_count{${labels(record.tags)}} ${record.count} ${timestampMs}\n`;
  return out;
}

/** The records of one timestamp in one format. */
export function encodeRecords(format: Format, records: readonly BenchRecord[], timestampMs: number): Buffer {
  switch (format) {
    case 'bs-json': {
      const dt = new Date(timestampMs).toISOString();
      return Buffer.from(JSON.stringify(records.map((r) => betterStackRecord(r, dt, true))));
    }
    case 'bs-msgpack': {
      const dt = new Date(timestampMs).toISOString();
      const bytes = msgpackEncode(records.map((r) => betterStackRecord(r, dt, false)));
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    case 'oo-json':
      return Buffer.from(JSON.stringify(records.flatMap((r) => openObserveRecords(r, timestampMs * 1000))));
    case 'prometheus': {
      let text = '';
      for (const record of records) text += prometheusLines(record, timestampMs);
      return Buffer.from(text);
    }
  }
}

export function encodeRequest(format: Format, request: BenchRequest): EncodedBody {
  return { bytes: encodeRecords(format, request.records, request.timestampMs), samples: request.samples };
}

/** The latency probe's marker: gauge `bench_marker{run}` whose value is the request's sequence number. */
export function markerRecord(run: string, seq: number): BenchRecord {
  return { kind: 'gauge', name: 'bench_marker', tags: { run }, value: seq };
}

/**
 * The body with one marker sample in front, without re-encoding the rest (JSON arrays and
 * Prometheus text only: a MessagePack array's header holds its length).
 */
export function withMarker(format: Format, body: Buffer, marker: BenchRecord, timestampMs: number): Buffer {
  const head = encodeRecords(format, [marker], timestampMs);
  switch (format) {
    case 'bs-json':
    case 'oo-json':
      // "[m]" + "[r1,r2…]" → "[m," + "r1,r2…]"
      return Buffer.concat([head.subarray(0, head.length - 1), Buffer.from(','), body.subarray(1)]);
    case 'prometheus':
      return Buffer.concat([head, body]);
    case 'bs-msgpack':
      throw new Error('withMarker: MessagePack bodies are not spliced; use a JSON format for latency');
  }
}

/** Bytes of a MessagePack array header (fixarray, array16, array32). */
function msgpackArrayHeaderLength(first: number): number {
  if ((first & 0xf0) === 0x90) return 1;
  if (first === 0xdc) return 3;
  if (first === 0xdd) return 5;
  throw new Error(`not a MessagePack array (first byte 0x${first.toString(16)})`);
}

/**
 * One body of at most `maxBytes` made of whole requests (the receiver's memory test: 20 MiB
 * bodies). Requests are taken in order and their record lists joined into one array.
 */
export function bigBody(
  format: Format,
  requests: Iterable<BenchRequest>,
  maxBytes: number,
): EncodedBody & { records: number } {
  const parts: Buffer[] = [];
  let bytes = format === 'bs-msgpack' ? 5 : 2;
  let samples = 0;
  let records = 0;
  for (const request of requests) {
    const encoded = encodeRecords(format, request.records, request.timestampMs);
    let part: Buffer;
    if (format === 'bs-json' || format === 'oo-json') part = encoded.subarray(1, encoded.length - 1);
    else if (format === 'bs-msgpack') part = encoded.subarray(msgpackArrayHeaderLength(encoded[0]!));
    else part = encoded;
    if (bytes + part.length + 1 > maxBytes) break;
    parts.push(part);
    bytes += part.length + 1;
    samples += request.samples;
    records += request.records.length;
  }
  if (format === 'prometheus') return { bytes: Buffer.concat(parts), samples, records };
  if (format === 'bs-msgpack') {
    const header = Buffer.alloc(5);
    header[0] = 0xdd;
    header.writeUInt32BE(records, 1);
    return { bytes: Buffer.concat([header, ...parts]), samples, records };
  }
  const joined: Buffer[] = [Buffer.from('[')];
  parts.forEach((part, i) => {
    if (i > 0) joined.push(Buffer.from(','));
    joined.push(part);
  });
  joined.push(Buffer.from(']'));
  return { bytes: Buffer.concat(joined), samples, records };
}
