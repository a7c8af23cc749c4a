// PUBLISH: sends the outbox's unsent alert messages to the alerts topic in the order they were decided, then marks
// them sent. A crash between sending and marking sends them again: harmless, alert ids are stable. Runs in the
// decider's process, woken after each commit that added alerts and every few seconds in case a wake was missed.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Stopped, withRetry, type RetryObserver } from '../backoff.js';
import { describeFailure } from '../errors.js';
import type { AlertSink } from '../kafka/kafka-sinks.js';
import type { VerifierMetrics } from '../ops/metrics.js';
import type { StateStore } from '../store/state-store.js';

const COUNT_EVERY_MS = 5_000;

export interface PublisherDeps {
  readonly store: StateStore;
  readonly sink: AlertSink;
  readonly metrics: VerifierMetrics;
  readonly logger: Logger;
  readonly retry: RetryObserver;
}

export class AlertPublisher {
  readonly #deps: PublisherDeps;
  readonly #log: Logger;
  readonly #batchSize: number;
  readonly #sweepMs: number;
  #active = false;
  #running = false;
  #pending = false;
  #wake = new AbortController();
  #loop: Promise<void> | null = null;
  /** The loop's pass in progress, if any. */
  #pass: Promise<void> = Promise.resolve();
  #published = 0;
  #countedAt = -Infinity;
  /** Wakers waiting for the pass that serves their wake. */
  #waiting: (() => void)[] = [];

  constructor(deps: PublisherDeps, options: { batchSize: number; sweepMs: number }) {
    this.#deps = deps;
    this.#log = deps.logger.child({ component: 'publisher' });
    this.#batchSize = options.batchSize;
    this.#sweepMs = options.sweepMs;
  }

  get published(): number {
    return this.#published;
  }

  start(): void {
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Publishing follows leadership: only the decider's process sends, so messages keep their decided order. */
  setActive(active: boolean): void {
    this.#active = active;
    if (active) void this.wake();
  }

  /** Settles once a pass begun after the wake has sent what the outbox held, or failed to, or was not run. */
  wake(): Promise<void> {
    this.#pending = true;
    this.#wake.abort();
    if (!this.#running || !this.#active) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(waiting: readonly (() => void)[]): void {
    for (const resolve of waiting) resolve();
  }

  /**
   * Called by the decider while it still holds leadership, just before giving it up: ends the loop's pass, then sends
   * what is already committed (one attempt: what fails is the next decider's to send). Nothing is sent after it, so
   * no message of this instance can follow one of the next decider's.
   */
  async handOver(): Promise<void> {
    await this.standDown();
    await this.#drain(() => true, true).catch((error: unknown) => this.#log.warn({ error: describeFailure(error) }, 'outbox not drained on giving up leadership; the next decider sends it'));
  }

  /**
   * Called by a decider that stands down for any reason (its connection lost, a round failed, a stop): the pass in
   * flight sends no further batch, and this settles once it has ended, so that the decider gives up its lock only
   * when nothing of this instance is still being sent.
   */
  async standDown(): Promise<void> {
    this.#active = false;
    this.#wake.abort();
    await this.#pass;
  }

  /** Stops the loop. It sends nothing more: sending is the decider's, and it hands over before it stands down. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake.abort();
    await this.#loop;
    this.#release(this.#waiting.splice(0));
  }

  async #run(): Promise<void> {
    while (this.#running) {
      if (!this.#pending) {
        try {
          await sleep(this.#sweepMs, undefined, { signal: this.#wake.signal });
        } catch {
          // woken
        }
        this.#wake = new AbortController();
      }
      this.#pending = false;
      const serving = this.#waiting.splice(0);
      if (!this.#running || !this.#active) {
        this.#release(serving);
        continue;
      }
      const pass = this.#drain(() => !this.#running || !this.#active);
      this.#pass = pass.catch(() => {});
      try {
        await pass;
      } catch (error) {
        if (!(error instanceof Stopped)) this.#log.error({ error: describeFailure(error) }, 'publishing alerts failed');
      } finally {
        this.#release(serving);
      }
    }
  }

  /**
   * Sends the outbox in batches until it is empty. `shouldStop` ends the retrying, and (unless `handingOver`: the
   * decider's last drain, one attempt each, to the end) the pass before its next batch.
   */
  async #drain(shouldStop: () => boolean, handingOver = false): Promise<void> {
    const { store, sink, retry } = this.#deps;
    for (;;) {
      const messages = await withRetry('reading the alert outbox', () => store.unsentAlerts(this.#batchSize), retry, { shouldStop });
      if (messages.length === 0) break;
      // Standing down: no further batch, which could reach the topic after the next decider's.
      if (!handingOver && shouldStop()) throw new Stopped('publishing alerts');
      await withRetry('publishing alerts', () => sink.publish(messages), retry, { shouldStop });
      await withRetry('marking alerts sent', () => store.markSent(messages.map((m) => m.seq)), retry, { shouldStop });
      this.#published += messages.length;
      if (messages.length < this.#batchSize) break;
    }
    // The gauge needs no more than a count every few seconds; alerts should not wait for it.
    if (performance.now() - this.#countedAt >= COUNT_EVERY_MS) {
      this.#countedAt = performance.now();
      this.#deps.metrics.outboxPending.set(await withRetry('counting the alert outbox', () => store.countUnsent(), retry, { shouldStop }));
    }
  }
}
