// ISO-8601 / RFC 3339 timestamps for NDJSON input and output, as epoch milliseconds (UTC).
//
// Parsing is strict on purpose: Date.parse accepts dates that do not exist ("2018-02-30T00:00:00Z" becomes
// 2 March), date-only strings and local times without an offset, and the contract's timestamps are instants.
// Accepted: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm). A fraction finer than a millisecond is truncated,
// since timestamp-millis cannot hold it.

const ISO_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;
const MS_PER_DAY = 86_400_000;

/** Epoch milliseconds of a strict ISO-8601 date-time with offset, or undefined if it is not one. */
export function parseIsoTimestamp(text: string): number | undefined {
  const m = ISO_PATTERN.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  // No leap seconds: timestamp-millis has no representation for 23:59:60.
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  let offsetMinutes = 0;
  if (m[8] !== undefined) {
    const offHours = Number(m[9]);
    const offMinutes = Number(m[10]);
    if (offHours > 23 || offMinutes > 59) return undefined;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (offHours * 60 + offMinutes);
  }
  const local = daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
  return local - offsetMinutes * 60_000;
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
