// A standing-by instance's warm copy of the decider's engine, as Kafka Streams' standby replicas keep one of a state
// store: while another instance decides, this one restores the snapshots it stores, ahead of need, so that if it is
// elected it starts from an engine already built and replays only the records after the snapshot. A restore grows
// with the patients the engine holds (millions nationally); the replay does not.
import { setImmediate } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ReconcilerOptions } from '../../core/reconciler.js';
import { describeFailure } from '../errors.js';
import type { SnapshotCover, StateStore } from '../store/state-store.js';
import { restoreDeciderSnapshot, type DeciderState } from './decider-snapshot.js';

/** A snapshot restored ahead of need, with what it covers. */
export interface WarmEngine {
  readonly cover: SnapshotCover;
  readonly state: DeciderState;
}

// After a restore that took d, the next waits at least SPACING × d: a standby restores at most a tenth of its time,
// however often a backlog's snapshots come. The event loop it holds is its ingest's too.
const SPACING = 9;

/** After a failed refresh (a store that cannot be reached, a snapshot that cannot be read), the least wait before the next. */
const FAILED_WAIT_MS = 30_000;

export class WarmStandby {
  readonly #store: StateStore;
  readonly #engineOptions: ReconcilerOptions;
  readonly #monotonicNow: () => number;
  readonly #log: Logger;
  #warm: WarmEngine | null = null;
  #nextAt = -Infinity;
  #failing = false;
  readonly #holding: (warm: boolean) => void;

  /** `holding` is told, after every look at the store and every take, whether the stored snapshot is held restored. */
  constructor(store: StateStore, engineOptions: ReconcilerOptions, monotonicNow: () => number, logger: Logger, holding: (warm: boolean) => void = () => {}) {
    this.#store = store;
    this.#engineOptions = engineOptions;
    this.#monotonicNow = monotonicNow;
    this.#log = logger.child({ component: 'warm-standby' });
    this.#holding = holding;
  }

  /**
   * Restores the stored snapshot if it is newer than the one held (and the spacing allows), letting the event loop
   * run between steps of some thousands of patient keys, and giving up at once when `signal` aborts (a stop). A
   * failure is logged once and waits at least FAILED_WAIT_MS before the next try: a takeover then restores the
   * snapshot itself, as without a standby. A store that cannot be read leaves the engine held as it was (the
   * takeover checks its cover anyway).
   */
  async refresh(signal: AbortSignal): Promise<void> {
    const started = this.#monotonicNow();
    if (started < this.#nextAt || signal.aborted) return;
    const pause = async () => {
      await setImmediate();
      signal.throwIfAborted();
    };
    try {
      const stored = await this.#store.latestSnapshot(this.#warm?.cover ?? null);
      if (stored === 'held') {
        this.#holding(true);
        this.#recovered();
        return;
      }
      // None stored, or a newer one: what is held is stale either way.
      this.#warm = null;
      this.#holding(false);
      if (stored === null) return;
      const state = await restoreDeciderSnapshot(stored.format, stored.state, this.#engineOptions, pause);
      this.#warm = { cover: { streamTime: stored.streamTime, offsets: stored.offsets }, state };
      this.#holding(true);
      const took = this.#monotonicNow() - started;
      this.#nextAt = this.#monotonicNow() + SPACING * took;
      this.#log.debug({ streamTime: stored.streamTime, bytes: stored.state.length, tookMs: Math.round(took) }, 'kept the latest snapshot warm');
      this.#recovered();
    } catch (error) {
      this.#holding(false);
      if (signal.aborted) return;
      this.#nextAt = this.#monotonicNow() + Math.max(FAILED_WAIT_MS, SPACING * (this.#monotonicNow() - started));
      if (!this.#failing) this.#log.warn({ error: describeFailure(error) }, 'cannot keep the decider\'s snapshot warm; a takeover will restore it');
      this.#failing = true;
    }
  }

  #recovered(): void {
    if (this.#failing) this.#log.info('keeping the decider\'s snapshot warm again');
    this.#failing = false;
  }

  /** The engine held, handed over once: a term that starts from it changes it. */
  take(): WarmEngine | null {
    const warm = this.#warm;
    this.#warm = null;
    this.#holding(false);
    return warm;
  }
}
