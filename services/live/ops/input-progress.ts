// Progress of this instance's input partitions: an input that has records waiting (lag > 0) and has stored
// nothing for STALL_TIMEOUT is stalled, whatever the reason (a lock held on a table, a statement that never
// returns, a consumer that fetches nothing). A stalled partition turns /readyz to 503 and its topic's
// optout_verifier_input_stalled gauge to 1; the lag gauge shows the records waiting, read from the log's end
// offsets, not only from the last batch stored (which, while stalled, is old and said 0).
//
// The clock is a monotonic one in milliseconds, passed in. A partition's "since" is the last time it was seen
// without lag, or stored something, or was newly assigned (not kept over a rejoin): it is stalled when it has had lag
// ever since, for the timeout.
import type { Logger } from 'pino';
import type { VerifierMetrics } from './metrics.js';
import type { Readiness } from './readiness.js';
import { partitionKey, type PartitionKey } from '../store/topic-partition.js';

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** The next offset stored in PostgreSQL; null until known. */
  committed: number | null;
  /** The log end offset (high watermark) last seen; null until known. */
  end: number | null;
  since: number;
  stalled: boolean;
}

export interface InputProgressOptions {
  readonly stallTimeoutMs: number;
  readonly inputTopics: readonly string[];
  /** Monotonic milliseconds. */
  readonly now: () => number;
}

export class InputProgress {
  readonly #metrics: VerifierMetrics;
  readonly #readiness: Readiness;
  readonly #options: InputProgressOptions;
  readonly #log: Logger;
  readonly #partitions = new Map<PartitionKey, PartitionState>();

  constructor(metrics: VerifierMetrics, readiness: Readiness, logger: Logger, options: InputProgressOptions) {
    this.#metrics = metrics;
    this.#readiness = readiness;
    this.#options = options;
    this.#log = logger.child({ component: 'progress' });
    for (const topic of options.inputTopics) metrics.inputStalled.set({ topic }, 0);
    readiness.set('progressing', true);
  }

  /** The partitions the group gave this instance, with their stored offsets where known; replaces the last set. */
  assigned(partitions: readonly { topic: string; partition: number; committed: number | null }[]): void {
    const now = this.#options.now();
    const kept = new Set<PartitionKey>();
    for (const p of partitions) {
      const key = partitionKey(p.topic, p.partition);
      kept.add(key);
      const known = this.#partitions.get(key);
      if (known) {
        // Held already: a rejoin is no progress. A consumer that fails on the same batch and rejoins again and again
        // keeps its lag, and is stalled once it has had it for the timeout.
        known.committed = p.committed ?? known.committed;
      } else {
        this.#partitions.set(key, { topic: p.topic, partition: p.partition, committed: p.committed, end: null, since: now, stalled: false });
      }
    }
    for (const [key, state] of this.#partitions) {
      if (kept.has(key)) continue;
      this.#partitions.delete(key);
      this.#metrics.consumerLag.remove({ topic: state.topic, partition: String(state.partition) });
    }
    this.evaluate();
  }

  /** A batch was stored: the partition's next offset, and the high watermark its fetch saw. */
  committed(topic: string, partition: number, nextOffset: number, highWatermark: number | null): void {
    const key = partitionKey(topic, partition);
    const state = this.#partitions.get(key) ?? { topic, partition, committed: null, end: null, since: this.#options.now(), stalled: false };
    this.#partitions.set(key, state);
    if (state.committed === null || nextOffset > state.committed) state.since = this.#options.now();
    state.committed = Math.max(state.committed ?? nextOffset, nextOffset);
    if (highWatermark !== null && Number.isFinite(highWatermark)) state.end = Math.max(state.end ?? highWatermark, highWatermark);
    this.#updateLag(state);
  }

  /** End offsets of a topic's partitions, as the brokers report them now. */
  endOffsets(topic: string, ends: ReadonlyMap<number, number>): void {
    for (const [partition, end] of ends) {
      const state = this.#partitions.get(partitionKey(topic, partition));
      if (!state) continue;
      // Lag that appears now starts the count now, however long the partition was quiet before.
      if (state.committed === null || state.end === null || state.end <= state.committed) state.since = this.#options.now();
      state.end = end;
    }
  }

  /** Updates the lag gauges, the stalled gauges and /readyz; logs a partition that stalls or moves again. */
  evaluate(): void {
    const now = this.#options.now();
    const stalledTopics = new Set<string>();
    for (const state of this.#partitions.values()) {
      const lag = this.#updateLag(state);
      if (lag === null || lag === 0) state.since = now;
      const stalled = lag !== null && lag > 0 && now - state.since >= this.#options.stallTimeoutMs;
      if (stalled !== state.stalled) {
        state.stalled = stalled;
        const where = { topic: state.topic, partition: state.partition, lag, stoppedForMs: Math.round(now - state.since) };
        if (stalled) this.#log.error(where, 'input stalled: records are waiting and nothing has been stored for the stall timeout; not ready');
        else this.#log.info(where, 'input moving again');
      }
      if (stalled) stalledTopics.add(state.topic);
    }
    for (const topic of this.#options.inputTopics) this.#metrics.inputStalled.set({ topic }, stalledTopics.has(topic) ? 1 : 0);
    this.#readiness.set('progressing', stalledTopics.size === 0);
  }

  #updateLag(state: PartitionState): number | null {
    if (state.committed === null || state.end === null) return null;
    const lag = Math.max(0, state.end - state.committed);
    this.#metrics.consumerLag.set({ topic: state.topic, partition: String(state.partition) }, lag);
    return lag;
  }
}
