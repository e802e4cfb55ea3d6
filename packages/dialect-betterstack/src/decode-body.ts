import type { BodyFormat } from './content-type.js';
import { decodeMsgpack } from './msgpack-codec.js';
import { describeValue, isPlainObject } from './value-shape.js';

export type DecodeResult = { ok: true; records: unknown[] } | { ok: false; error: string };

/**
 * Splits a body into records without judging them: an array element or NDJSON line that is not an
 * object becomes a record the normalizer rejects with a reason, so one bad element does not cost the
 * client the rest of its batch. Only a top-level value that cannot hold records is an error here.
 */
export function decodeBetterStackBody(body: Buffer, format: BodyFormat): DecodeResult {
  switch (format) {
    case 'json':
      return decodeJson(bodyText(body));
    case 'ndjson':
      return decodeNdjson(bodyText(body));
    case 'msgpack': {
      if (body.byteLength === 0) return { ok: true, records: [] };
      const decoded = decodeMsgpack(body);
      return decoded.ok ? topLevelRecords(decoded.value) : decoded;
    }
    default:
      return { ok: false, error: `unsupported body format ${String(format)}` };
  }
}

function bodyText(body: Buffer): string {
  const text = body.toString('utf8');
  // Some Windows tools prefix a BOM, which JSON.parse refuses.
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function topLevelRecords(value: unknown): DecodeResult {
  if (Array.isArray(value)) return { ok: true, records: value };
  if (isPlainObject(value)) return { ok: true, records: [value] };
  return { ok: false, error: `expected an object or an array of objects, found ${describeValue(value)}` };
}

function decodeJson(text: string): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // An empty body carries no records; saying so is clearer than "unexpected end of JSON input".
    if (isBlank(text, 0, text.length)) return { ok: true, records: [] };
    return { ok: false, error: `invalid JSON: ${errorMessage(error)}` };
  }
  return topLevelRecords(value);
}

function decodeNdjson(text: string): DecodeResult {
  const records: unknown[] = [];
  let line = 0;
  let start = 0;
  try {
    while (start <= text.length) {
      line++;
      let end = text.indexOf('\n', start);
      if (end === -1) end = text.length;
      // JSON.parse treats a trailing '\r' as whitespace, so CRLF needs no special case.
      if (!isBlank(text, start, end)) records.push(JSON.parse(text.slice(start, end)));
      start = end + 1;
    }
  } catch (error) {
    return { ok: false, error: `invalid JSON at line ${line}: ${errorMessage(error)}` };
  }
  return { ok: true, records };
}

/** True when text[start, end) holds only JSON whitespace. */
function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return false;
  }
  return true;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
