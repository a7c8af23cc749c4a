// ISO-8601 / RFC 3339 timestamps for NDJSON input and output, as epoch milliseconds (UTC).
//
// Parsing is strict on purpose: Date.parse accepts dates that do not exist ("2018-02-30T00:00:00Z" becomes
// 2 March), date-only strings and local times without an offset, and the contract's timestamps are instants.
// Accepted: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm). A fraction finer than a millisecond is truncated,
// since timestamp-millis cannot hold it.

const MS_PER_DAY = 86_400_000;

/** Epoch milliseconds of a strict ISO-8601 date-time with offset, or undefined if it is not one. */
export function parseIsoTimestamp(text: string): number | undefined {
  // Scanned by hand rather than with a regular expression: NDJSON input carries millions of these.
  if (text.length < 20) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':') return undefined;
  // No leap seconds: timestamp-millis has no representation for 23:59:60.
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  let i = 19;
  let millis = 0;
  if (text[i] === '.') {
    const from = ++i;
    while (i < text.length && i - from < 9 && isDigit(text.charCodeAt(i))) i++;
    if (i === from) return undefined;
    for (let k = from; k < from + 3; k++) millis = millis * 10 + (k < i ? text.charCodeAt(k) - 48 : 0);
  }
  let offsetMinutes: number;
  if (text[i] === 'Z' && i + 1 === text.length) {
    offsetMinutes = 0;
  } else if ((text[i] === '+' || text[i] === '-') && i + 6 === text.length && text[i + 3] === ':') {
    const offHours = digits(text, i + 1, 2);
    const offMinutes = digits(text, i + 4, 2);
    if (offHours < 0 || offMinutes < 0 || offHours > 23 || offMinutes > 59) return undefined;
    offsetMinutes = (text[i] === '-' ? -1 : 1) * (offHours * 60 + offMinutes);
  } else {
    return undefined;
  }
  const local = daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
  return local - offsetMinutes * 60_000;
}

/** The non-negative integer written by `count` ASCII digits at `from`, or -1 if any is not a digit. */
function digits(text: string, from: number, count: number): number {
  let n = 0;
  for (let k = from; k < from + count; k++) {
    const c = text.charCodeAt(k);
    if (!isDigit(c)) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil); Date.UTC maps years 0-99 to 19xx. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * Formats epoch milliseconds as YYYY-MM-DDTHH:MM:SS.mmmZ, the same text as Date.prototype.toISOString. The date
 * part is cached per day because writers format millions of timestamps that mostly share a day.
 */
export function createIsoFormatter(): (millis: number) => string {
  let cachedDay = Number.NaN;
  let cachedPrefix = '';
  return (millis) => {
    const day = Math.floor(millis / MS_PER_DAY);
    if (day !== cachedDay) {
      cachedPrefix = new Date(day * MS_PER_DAY).toISOString().slice(0, -13);
      cachedDay = day;
    }
    let rest = millis - day * MS_PER_DAY;
    const hour = Math.floor(rest / 3_600_000);
    rest -= hour * 3_600_000;
    const minute = Math.floor(rest / 60_000);
    rest -= minute * 60_000;
    const second = Math.floor(rest / 1000);
    const milli = rest - second * 1000;
    return `${cachedPrefix}${pad2(hour)}:${pad2(minute)}:${pad2(second)}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
  };
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}
