const DAY = 86_400_000;

/** The Monday 00:00 UTC that starts the week holding `ms`: weeks on the timeline are UTC, Monday first. */
export function weekStart(ms: number): number {
  const day = Math.floor(ms / DAY);
  // 1970-01-01 was a Thursday: day 0 is weekday 3 counting Monday as 0.
  const weekday = (((day + 3) % 7) + 7) % 7;
  return (day - weekday) * DAY;
}

export const WEEK = 7 * DAY;
