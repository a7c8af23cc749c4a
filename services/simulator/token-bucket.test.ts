import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

/** A sender that waits as told and then sends `batch` records; returns when each batch went, in simulated ms. */
function sendTimes(bucket: TokenBucket, batches: number, batch: number, startMs = 0, sendCostMs = 0): number[] {
  const times: number[] = [];
  let now = startMs;
  for (let i = 0; i < batches; i++) {
    now += bucket.reserve(batch, now);
    times.push(now);
    now += sendCostMs;
  }
  return times;
}

/** The most records sent within any window of `windowMs` (windows start at a send). */
function mostInWindow(times: readonly number[], batch: number, windowMs: number): number {
  let most = 0;
  for (let i = 0; i < times.length; i++) {
    let n = 0;
    for (let j = i; j < times.length && times[j]! < times[i]! + windowMs; j++) n += batch;
    most = Math.max(most, n);
  }
  return most;
}

describe('TokenBucket', () => {
  it('lets the first burst go at once, then holds the rate', () => {
    const bucket = new TokenBucket(200, 10);
    const times = sendTimes(bucket, 100, 10);
    expect(times[0]).toBe(0);
    // 1,000 records at 200/s with 10 in hand at the start: the last batch goes at (1000 - 10) / 200 s.
    expect(times.at(-1)).toBeCloseTo(4_950, 6);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    for (const gap of gaps.slice(1)) expect(gap).toBeCloseTo(50, 6);
  });

  it('never sends more than the rate plus one burst in any second', () => {
    for (const [rate, burst, batch] of [[200, 10, 10], [1_000, 50, 7], [3, 1, 1], [20_000, 500, 500]] as const) {
      const bucket = new TokenBucket(rate, burst);
      const times = sendTimes(bucket, 400, batch, 1_000, 1);
      expect(mostInWindow(times, batch, 1_000), `${rate}/s`).toBeLessThanOrEqual(rate + Math.max(burst, batch));
      // And it is not slower than the rate either (the sender's own 1 ms per batch aside).
      const span = times.at(-1)! - times[0]!;
      expect(span, `${rate}/s`).toBeLessThanOrEqual(((400 * batch) / rate) * 1000 + 400);
    }
  });

  it('earns no catch-up beyond one burst after an idle spell or a slow send', () => {
    const bucket = new TokenBucket(100, 5);
    expect(bucket.reserve(5, 0)).toBe(0);
    expect(bucket.reserve(5, 10_000)).toBe(0);
    // The bucket was full (5), not 1,000 tokens richer: the next 5 wait 50 ms.
    expect(bucket.reserve(5, 10_000)).toBeCloseTo(50, 6);
  });

  it('ignores a clock that goes back', () => {
    const bucket = new TokenBucket(10, 1);
    expect(bucket.reserve(1, 1_000)).toBe(0);
    expect(bucket.reserve(1, 500)).toBeCloseTo(100, 6);
  });

  it('refuses a rate or burst that cannot pace anything', () => {
    expect(() => new TokenBucket(0, 1)).toThrow(RangeError);
    expect(() => new TokenBucket(Number.POSITIVE_INFINITY, 1)).toThrow(RangeError);
    expect(() => new TokenBucket(10, 0)).toThrow(RangeError);
  });
});
