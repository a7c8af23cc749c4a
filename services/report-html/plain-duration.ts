const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365.25 * DAY;

const unit = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
const round1 = (n: number) => Math.round(n * 10) / 10;

/** A duration for a reader who is not an engineer: "15 hours", "3.2 days", "2.4 years". */
export function plainDuration(ms: number): string {
  if (ms < MINUTE) return ms <= 0 ? 'no time' : 'under a minute';
  if (ms < HOUR) return unit(Math.round(ms / MINUTE), 'minute');
  if (ms < 2 * DAY) return unit(round1(ms / HOUR), 'hour');
  if (ms < 2 * YEAR) return unit(round1(ms / DAY), 'day');
  return unit(round1(ms / YEAR), 'year');
}
