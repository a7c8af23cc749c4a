import type { Millis } from './records.js';

export interface LatencySummary {
  readonly count: number;
  readonly p50: Millis | null;
  readonly p95: Millis | null;
  readonly p99: Millis | null;
  readonly max: Millis | null;
}

/** Nearest-rank percentiles: the p-th percentile is the smallest sample with at least p% of samples at or below it. */
export function summariseLatency(samples: readonly Millis[]): LatencySummary {
  if (samples.length === 0) return { count: 0, p50: null, p95: null, p99: null, max: null };
  const sorted = Float64Array.from(samples).sort();
  const rank = (p: number): Millis => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { count: sorted.length, p50: rank(50), p95: rank(95), p99: rank(99), max: sorted[sorted.length - 1]! };
}
