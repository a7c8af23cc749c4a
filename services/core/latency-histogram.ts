import type { Millis } from './records.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Bucket bounds for how long a change took, in milliseconds: around the default grace (1h) and sla (72h),
// then weeks to a year, where a silent fault shows. Fixed, so that two reports' histograms line up.
export const LATENCY_BOUNDS: readonly Millis[] = [0, HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 3 * DAY, 7 * DAY, 30 * DAY, 90 * DAY, 365 * DAY];

/** One bucket: samples above the previous bound and at or below `upToMs` (null: above the last bound). */
export interface LatencyBucket {
  readonly upToMs: Millis | null;
  readonly count: number;
}

export function latencyHistogram(samples: readonly Millis[]): LatencyBucket[] {
  const counts = new Array<number>(LATENCY_BOUNDS.length + 1).fill(0);
  for (const s of samples) {
    let i = 0;
    while (i < LATENCY_BOUNDS.length && s > LATENCY_BOUNDS[i]!) i++;
    counts[i]!++;
  }
  return counts.map((count, i) => ({ upToMs: i < LATENCY_BOUNDS.length ? LATENCY_BOUNDS[i]! : null, count }));
}
