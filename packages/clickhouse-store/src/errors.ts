/**
 * ClickHouse error codes that mean "these rows are bad": trying them again fails the same way.
 * Everything else (server away, overloaded, read-only, missing table, wrong password) is about the
 * server, not the data, and is retried: dead-lettering good rows because of a misconfiguration
 * would lose them from the table for good.
 */
const DATA_ERROR_CODES = new Set([
  '6', // CANNOT_PARSE_TEXT
  '25', // CANNOT_PARSE_ESCAPE_SEQUENCE
  '26', // CANNOT_PARSE_QUOTED_STRING
  '27', // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  '33', // CANNOT_READ_ALL_DATA
  '38', // CANNOT_PARSE_DATE
  '41', // CANNOT_PARSE_DATETIME
  '53', // TYPE_MISMATCH
  '69', // ARGUMENT_OUT_OF_BOUND
  '70', // CANNOT_CONVERT_TYPE
  '72', // CANNOT_PARSE_NUMBER
  '117', // INCORRECT_DATA
  '131', // TOO_LARGE_STRING_SIZE
  '190', // SIZES_OF_ARRAYS_DOESNT_MATCH (Nested tags.key / tags.value of unequal length)
  '321', // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  '691', // UNKNOWN_ELEMENT_OF_ENUM
  '1001', // STD_EXCEPTION (e.g. stoi on a malformed number)
]);

/** The ClickHouse error code: the client's parsed one, or read from the text (18.16 writes `Code: 27, e.displayText()…`, which the client does not parse). */
export function storeErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && /^\d+$/.test(code)) return code;
  const match = typeof message === 'string' ? /\bCode: (\d+)[.,]/.exec(message) : null;
  return match?.[1];
}

export function isRetriableStoreError(error: unknown): boolean {
  const code = storeErrorCode(error);
  return !(code !== undefined && DATA_ERROR_CODES.has(code));
}
