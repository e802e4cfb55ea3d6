import type { DecodeResult } from './types.js';

/**
 * Body: a JSON array of records, or NDJSON (one record per non-blank line; a single JSON object is
 * one-line NDJSON). Anything else → error with the parser's reason (line number for NDJSON).
 * Records are not checked here: a line holding `5` is a record that fails on its own.
 */
export function decodeOpenObserveBody(body: Buffer): DecodeResult {
  const text = body.toString('utf8');
  // Editors on Windows save JSON with a byte order mark, which JSON.parse refuses.
  const start = skipWhitespace(text, text.charCodeAt(0) === 0xfeff ? 1 : 0, text.length);
  if (start === text.length) return { ok: false, error: 'body is empty: expected a JSON array or NDJSON' };
  return text.charCodeAt(start) === 0x5b /* [ */ ? decodeArray(text, start) : decodeLines(text, start);
}

function decodeArray(text: string, start: number): DecodeResult {
  try {
    // Starting with '[' it can only parse to an array.
    return { ok: true, records: JSON.parse(start === 0 ? text : text.slice(start)) as unknown[] };
  } catch (error) {
    return { ok: false, error: `invalid JSON array: ${messageOf(error)}` };
  }
}

function decodeLines(text: string, start: number): DecodeResult {
  const records: unknown[] = [];
  let line = 1;
  for (let i = 0; i < start; i++) if (text.charCodeAt(i) === 0x0a) line++;
  let from = start;
  while (from < text.length) {
    let end = text.indexOf('\n', from);
    if (end === -1) end = text.length;
    if (skipWhitespace(text, from, end) < end) {
      try {
        records.push(JSON.parse(text.slice(from, end)));
      } catch (error) {
        const whole = records.length === 0 ? prettyPrintedObject(text, start) : undefined;
        if (whole !== undefined) return { ok: true, records: [whole] };
        return { ok: false, error: `invalid NDJSON at line ${line}: ${messageOf(error)}` };
      }
    }
    from = end + 1;
    line++;
  }
  return { ok: true, records };
}

/** A single object spread over several lines (curl -d @file.json) is still one record. */
function prettyPrintedObject(text: string, start: number): object | undefined {
  if (text.charCodeAt(start) !== 0x7b /* { */) return undefined;
  try {
    const value: unknown = JSON.parse(text.slice(start));
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The index of the first non-JSON-whitespace character in [from, end), or end. */
function skipWhitespace(text: string, from: number, end: number): number {
  let i = from;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
