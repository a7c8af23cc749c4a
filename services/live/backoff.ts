// Exponential backoff with full jitter for transient failures. The caller says what it is doing; every failed
// attempt is reported (log line and metric) before the wait, so an outage is visible while it lasts.
import { setTimeout as sleep } from 'node:timers/promises';
import { describeFailure, isRetriable } from './errors.js';

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 10_000 };

export interface RetryObserver {
  /** Called after each failed attempt that will be retried, with the wait before the next one. */
  retrying(what: string, attempt: number, waitMs: number, failure: ReturnType<typeof describeFailure>): void;
  /** Called once when an operation succeeds after at least one failure. */
  recovered(what: string, attempts: number): void;
}

export class Stopped extends Error {
  constructor(what: string) {
    super(`${what}: stopped while retrying`);
    this.name = 'Stopped';
  }
}

export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Runs `operation` until it succeeds, retrying transient failures (see errors.ts) with backoff; a failure that
 * is not transient is thrown at once. `shouldStop` ends the retrying with Stopped (shutdown, or a rebalance
 * that made the work stale).
 */
export async function withRetry<T>(
  what: string,
  operation: () => Promise<T>,
  observer: RetryObserver,
  options: { policy?: BackoffPolicy; shouldStop?: () => boolean; random?: () => number } = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_BACKOFF;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await operation();
      if (attempt > 1) observer.recovered(what, attempt);
      return result;
    } catch (error) {
      if (!isRetriable(error)) throw error;
      if (options.shouldStop?.()) throw new Stopped(what);
      const waitMs = backoffDelay(policy, attempt, options.random ?? Math.random);
      observer.retrying(what, attempt, waitMs, describeFailure(error));
      await sleep(waitMs);
      if (options.shouldStop?.()) throw new Stopped(what);
    }
  }
}
