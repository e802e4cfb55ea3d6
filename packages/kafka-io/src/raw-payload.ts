import { type Dialect, isDialect } from '@pipeline/sample-model';
import type { OutgoingMessage } from './batching-producer.js';
import { compressBody, inflateValue, LZ4 } from './body-compression.js';
import { headerString } from './headers.js';

/**
 * A request body as the receiver accepted it, with everything the normalizer needs to reach the
 * same verdict per record that the client was told: reception time and the limits in force.
 */
export interface RawPayload {
  readonly dialect: Dialect;
  readonly org: string;
  readonly source: string;
  /** Better Stack: json, ndjson or msgpack. OpenObserve: json. */
  readonly format: string;
  readonly receivedAtUs: number;
  readonly requestId: string;
  readonly maxAgeUs: number;
  readonly maxFutureUs: number;
  readonly maxFieldsPerRecord: number;
  /** Decompressed body bytes. */
  readonly body: Buffer;
}

const H = {
  dialect: 'dialect',
  org: 'org',
  source: 'source',
  format: 'format',
  receivedAtUs: 'received-at-us',
  requestId: 'request-id',
  maxAgeUs: 'max-age-us',
  maxFutureUs: 'max-future-us',
  maxFields: 'max-fields',
  /** `lz4` (body-compression.ts); absent on messages written before bodies were compressed. */
  encoding: 'encoding',
} as const;

/**
 * OpenObserve payloads are keyed by org so that one partition, and so one normalizer at a time,
 * decides the first type of each stream; Better Stack payloads spread over all partitions.
 */
export function rawPayloadMessage(payload: RawPayload): OutgoingMessage {
  return {
    key: payload.dialect === 'openobserve' ? payload.org : null,
    value: compressBody(payload.body),
    headers: {
      [H.encoding]: LZ4,
      [H.dialect]: payload.dialect,
      [H.org]: payload.org,
      [H.source]: payload.source,
      [H.format]: payload.format,
      [H.receivedAtUs]: String(payload.receivedAtUs),
      [H.requestId]: payload.requestId,
      [H.maxAgeUs]: String(payload.maxAgeUs),
      [H.maxFutureUs]: String(payload.maxFutureUs),
      [H.maxFields]: String(payload.maxFieldsPerRecord),
    },
  };
}

/** The size a raw message's body inflates to, read from its LZ4 size prefix (or its length). */
export function rawPayloadSize(message: { value: Buffer | null; headers?: Record<string, unknown> }): number {
  const value = message.value;
  if (value === null) return 0;
  return headerString(message.headers, H.encoding) === LZ4 && value.length >= 4
    ? value.readUInt32LE(0)
    : value.length;
}

export type ReadRawPayload = { ok: true; payload: RawPayload } | { ok: false; error: string };

function intHeader(headers: Record<string, unknown> | undefined, name: string): number | undefined {
  const text = headerString(headers, name);
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** Reads a raw topic message back; a message that is not one (a poison message) says what is wrong. */
export function readRawPayload(message: {
  value: Buffer | null;
  headers?: Record<string, unknown>;
}): ReadRawPayload {
  const headers = message.headers;
  const dialect = headerString(headers, H.dialect);
  if (!isDialect(dialect))
    return { ok: false, error: `header ${H.dialect} is ${JSON.stringify(dialect)}, not a known dialect` };
  const org = headerString(headers, H.org);
  if (org === undefined || org === '') return { ok: false, error: `header ${H.org} is missing` };
  const receivedAtUs = intHeader(headers, H.receivedAtUs);
  if (receivedAtUs === undefined)
    return { ok: false, error: `header ${H.receivedAtUs} is missing or not an integer` };
  if (message.value === null) return { ok: false, error: 'message has no body' };
  const inflated = inflateValue(message.value, headerString(headers, H.encoding), H.encoding);
  if (!inflated.ok) return inflated;
  const body = inflated.body;
  return {
    ok: true,
    payload: {
      dialect,
      org,
      source: headerString(headers, H.source) ?? '',
      format: headerString(headers, H.format) ?? 'json',
      receivedAtUs,
      requestId: headerString(headers, H.requestId) ?? '',
      maxAgeUs: intHeader(headers, H.maxAgeUs) ?? 0,
      maxFutureUs: intHeader(headers, H.maxFutureUs) ?? 0,
      maxFieldsPerRecord: intHeader(headers, H.maxFields) ?? 200,
      body,
    },
  };
}
