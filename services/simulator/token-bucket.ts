// The pace of `simulate --publish kafka`: a token bucket that refills at `ratePerSecond` and holds at most
// `burst` tokens. Pure: the caller passes the time in, and waits as long as reserve() says.
//
// reserve() takes tokens at once and may leave the bucket in debt; the debt is the wait. So a caller that sends a
// batch after each reserve() keeps the average rate at most ratePerSecond over any stretch, and never sends more
// than `burst` records above that rate after an idle spell. A sender slower than the pace does not earn a catch-up
// burst beyond `burst`.

export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  #tokens: number;
  #at: number | null = null;

  constructor(ratePerSecond: number, burst: number) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) throw new RangeError(`rate must be a positive number, got ${ratePerSecond}`);
    if (!(burst >= 1) || !Number.isFinite(burst)) throw new RangeError(`burst must be at least 1, got ${burst}`);
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.#tokens = burst;
  }

  /**
   * Takes `count` tokens at time `nowMs` (any monotonic milliseconds) and returns how many milliseconds to wait
   * before using them: 0 when the bucket held them.
   */
  reserve(count: number, nowMs: number): number {
    if (!(count >= 0)) throw new RangeError(`count must not be negative, got ${count}`);
    if (this.#at !== null && nowMs > this.#at) {
      this.#tokens = Math.min(this.burst, this.#tokens + ((nowMs - this.#at) * this.ratePerSecond) / 1000);
    }
    if (this.#at === null || nowMs > this.#at) this.#at = nowMs;
    this.#tokens -= count;
    return this.#tokens >= 0 ? 0 : (-this.#tokens * 1000) / this.ratePerSecond;
  }
}
