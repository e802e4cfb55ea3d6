/**
 * Whether an insert may succeed if tried again: the server is away or overloaded. A ClickHouse
 * error with a code (syntax, type, parse) will fail the same way every time.
 */
export function isRetriableStoreError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (typeof code === 'string' && /^\d+$/.test(code)) {
    // TOO_MANY_PARTS, TIMEOUT_EXCEEDED, MEMORY_LIMIT_EXCEEDED, TOO_MANY_SIMULTANEOUS_QUERIES, NETWORK_ERROR, SOCKET_TIMEOUT...
    return ['252', '159', '241', '202', '210', '209', '425', '999', '242', '3'].includes(code);
  }
  if (/Cannot parse|Unknown (field|column|identifier)|Type mismatch|Syntax error|Cannot read/i.test(text))
    return false;
  return true;
}
