export type BodyFormat = 'json' | 'ndjson' | 'msgpack';

export const ACCEPTED_CONTENT_TYPES: readonly string[] = Object.freeze([
  'application/json',
  'application/x-ndjson',
  'application/msgpack',
]);

/**
 * Maps a Content-Type header to a body format. Parameters (`; charset=utf-8`) are ignored and the
 * media type is compared case-insensitively, as RFC 9110 says it is. undefined means 415.
 */
export function formatFromContentType(contentType: string | undefined): BodyFormat | undefined {
  if (contentType === undefined) return undefined;
  const semicolon = contentType.indexOf(';');
  const mediaType = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  switch (mediaType) {
    case 'application/json':
      return 'json';
    case 'application/x-ndjson':
      return 'ndjson';
    case 'application/msgpack':
      return 'msgpack';
    default:
      return undefined;
  }
}
