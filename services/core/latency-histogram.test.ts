import { describe, expect, it } from 'vitest';
import { LATENCY_BOUNDS, latencyHistogram } from './latency-histogram.js';

describe('latencyHistogram', () => {
  it('puts a sample equal to a bound in that bound, and one above the last bound in the open bucket', () => {
    const hour = 3_600_000;
    const h = latencyHistogram([0, 1, hour, hour + 1, 400 * 24 * hour]);
    expect(h).toHaveLength(LATENCY_BOUNDS.length + 1);
    expect(h[0]).toEqual({ upToMs: 0, count: 1 });
    expect(h[1]).toEqual({ upToMs: hour, count: 2 });
    expect(h[2]).toEqual({ upToMs: 6 * hour, count: 1 });
    expect(h.at(-1)).toEqual({ upToMs: null, count: 1 });
    expect(h.reduce((n, b) => n + b.count, 0)).toBe(5);
  });

  it('gives empty buckets for no samples', () => {
    expect(latencyHistogram([]).every((b) => b.count === 0)).toBe(true);
  });
});
