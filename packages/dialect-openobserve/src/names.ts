// Most names repeat from record to record, so a dirty name is formatted once and then looked up.
// The cache is cleared when full rather than evicted entry by entry: a flood of distinct names
// (one per record) must not cost more than formatting them would. Long names are not kept, so the
// cache cannot pin megabytes of some client's garbage between requests.
const CACHE_LIMIT = 4096;
const CACHEABLE_LENGTH = 256;
const streamNameCache = new Map<string, string>();
const labelKeyCache = new Map<string, string>();

const STREAM_NAME_DIRT = /[^a-zA-Z0-9_:]+/g;
// The u flag makes a surrogate pair one character, so an emoji becomes one '_' as upstream does.
const LABEL_KEY_DIRT = /[^a-z0-9_]/gu;

/** Each run of [^a-zA-Z0-9_:] becomes '_', then lowercase (OpenObserve's format_stream_name). */
export function formatStreamName(name: string): string {
  if (isClean(name, true)) return name;
  let formatted = streamNameCache.get(name);
  if (formatted === undefined) {
    formatted = name.replace(STREAM_NAME_DIRT, '_').toLowerCase();
    remember(streamNameCache, name, formatted);
  }
  return formatted;
}

/** Lowercase, then [^a-z0-9_] → '_' (per character). */
export function formatLabelKey(key: string): string {
  if (isClean(key, false)) return key;
  let formatted = labelKeyCache.get(key);
  if (formatted === undefined) {
    formatted = key.toLowerCase().replace(LABEL_KEY_DIRT, '_');
    remember(labelKeyCache, key, formatted);
  }
  return formatted;
}

/** True when formatting would return the input unchanged: [a-z0-9_] (plus ':' for stream names). */
function isClean(text: string, allowColon: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95) continue;
    if (c === 58 && allowColon) continue;
    return false;
  }
  return true;
}

function remember(cache: Map<string, string>, raw: string, formatted: string): void {
  if (raw.length > CACHEABLE_LENGTH) return;
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(raw, formatted);
}
