// RFC 3339 and the common ISO 8601 spellings: 'T', 't' or a space between date and time, an
// optional fraction of any length (',' or '.'), 'Z' or an offset (+02:00, +0200, +02), and no zone
// meaning UTC. Date-only strings are midnight UTC.
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Parses an ISO 8601 / RFC 3339 timestamp to integer microseconds since the epoch, exactly:
 * digits beyond the microsecond are truncated, never rounded through a float.
 * Returns undefined for anything that is not a real calendar instant.
 */
export function parseIsoTimestampToMicros(text: string): number | undefined {
  const m = ISO.exec(text.trim());
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  let second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1) return undefined;
  const monthDays = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day > monthDays || hour > 23 || minute > 59 || second > 60) return undefined;
  // A leap second is stored as the last microsecond of the minute it ends.
  const leap = second === 60;
  if (leap) second = 59;
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = m[11] === undefined ? 0 : Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const wholeMs = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000;
  // Date.UTC maps years 0-99 to 1900-1999; such timestamps are not metrics anyway.
  if (!Number.isFinite(wholeMs) || year < 1970) return undefined;
  const fraction = leap ? '999999' : (m[7] ?? '').padEnd(6, '0').slice(0, 6);
  return wholeMs * 1000 + Number(fraction);
}
