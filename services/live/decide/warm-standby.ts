// A standing-by instance's warm copy of the decider's engine, as Kafka Streams' standby replicas keep one of a state
// store: while another instance decides, this one restores the snapshots it stores, ahead of need, so that if it is
// elected it starts from an engine already built and replays only the records after the snapshot. A restore grows
// with the patients the engine holds (millions nationally); the replay does not.
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ReconcilerOptions } from '../../core/reconciler.js';
import { describeFailure } from '../errors.js';
import { sameCover, type SnapshotCover, type StateStore } from '../store/state-store.js';
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

/**
 * While it holds the stored snapshot, a standby says so again this often (at its refreshes), so that a decider
 * stopping can tell a standby alive from one that held it once (see reportedWithinMs).
 */
const REPORT_EVERY_MS = 5_000;

/** The longest a standby's stop waits for its word to be taken back. */
const WITHDRAW_WAIT_MS = 2_000;

/** How recent a standby's word must be for a stopping decider to count on it, with refreshes every `pollMs`. */
export function reportedWithinMs(pollMs: number): number {
  return 3 * Math.max(REPORT_EVERY_MS, pollMs);
}

export class WarmStandby {
  readonly #store: StateStore;
  readonly #engineOptions: ReconcilerOptions;
  readonly #monotonicNow: () => number;
  readonly #log: Logger;
  #warm: WarmEngine | null = null;
  #nextAt = -Infinity;
  #failing = false;
  readonly #holding: (warm: boolean) => void;
  readonly #name: string;
  /** The cover this instance last said it holds (null: none, or said it holds none), and when. */
  #reported: SnapshotCover | null = null;
  #reportedAt = -Infinity;
  #reportFailing = false;

  /**
   * `name` is this instance's, under which it says which snapshot it holds (StateStore.reportStandby). `holding` is
   * told, after every look at the store and every take, whether the stored snapshot is held restored.
   */
  constructor(store: StateStore, name: string, engineOptions: ReconcilerOptions, monotonicNow: () => number, logger: Logger, holding: (warm: boolean) => void = () => {}) {
    this.#store = store;
    this.#name = name;
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
   * takeover checks its cover anyway). Says which snapshot it holds, so that a decider stopping leaves it to this
   * instance to take over from it (Decider).
   */
  async refresh(signal: AbortSignal): Promise<void> {
    const started = this.#monotonicNow();
    if (signal.aborted) return;
    if (started < this.#nextAt) {
      // Not looking at the store yet; what it holds is still true to say (a decider compares it with the stored one).
      if (this.#warm !== null) await this.#report(this.#warm.cover, started);
      return;
    }
    const pause = async () => {
      await setImmediate();
      signal.throwIfAborted();
    };
    try {
      const stored = await this.#store.latestSnapshot(this.#warm?.cover ?? null);
      if (stored === 'held') {
        this.#holding(true);
        this.#recovered();
        await this.#report(this.#warm!.cover, started);
        return;
      }
      // None stored, or a newer one: what is held is stale either way.
      this.#warm = null;
      this.#holding(false);
      await this.#report(null, started);
      if (stored === null) return;
      const state = await restoreDeciderSnapshot(stored.format, stored.state, this.#engineOptions, pause);
      const cover = { streamTime: stored.streamTime, offsets: stored.offsets };
      this.#warm = { cover, state };
      this.#holding(true);
      const took = this.#monotonicNow() - started;
      this.#nextAt = this.#monotonicNow() + SPACING * took;
      this.#log.debug({ streamTime: stored.streamTime, bytes: stored.state.length, tookMs: Math.round(took) }, 'kept the latest snapshot warm');
      this.#recovered();
      await this.#report(cover, started);
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

  /**
   * Says which snapshot this instance holds (null: none), when that changed or REPORT_EVERY_MS after it last said
   * so. A failure is logged once and otherwise ignored: a decider stopping then takes a last snapshot, as if no
   * standby held one, and the next refresh says it again.
   */
  async #report(held: SnapshotCover | null, now: number): Promise<void> {
    const said = this.#reported;
    const same = held === null ? said === null : said !== null && sameCover(held, said);
    if (same && (held === null || now - this.#reportedAt < REPORT_EVERY_MS)) return;
    try {
      await this.#store.reportStandby(this.#name, held);
      this.#reported = held;
      this.#reportedAt = now;
      if (this.#reportFailing) this.#log.info('saying again which snapshot this standby holds');
      this.#reportFailing = false;
    } catch (error) {
      if (!this.#reportFailing) this.#log.warn({ error: describeFailure(error) }, 'cannot say which snapshot this standby holds, or that it holds none');
      this.#reportFailing = true;
    }
  }

  /**
   * Takes back what this instance said it holds (it leads now, or stops): a stopping decider then counts on it no
   * more. Waits WITHDRAW_WAIT_MS at most: a store that cannot be reached must not hold a stop up (the word then ages
   * out of the window a decider counts on).
   */
  async withdraw(): Promise<void> {
    const limit = new AbortController();
    await Promise.race([this.#report(null, this.#monotonicNow()), sleep(WITHDRAW_WAIT_MS, undefined, { signal: limit.signal }).catch(() => {})]);
    limit.abort();
  }

  /** The engine held, handed over once: a term that starts from it changes it. */
  take(): WarmEngine | null {
    const warm = this.#warm;
    this.#warm = null;
    this.#holding(false);
    return warm;
  }
}
