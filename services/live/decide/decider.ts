// DECIDE: exactly one instance at a time (elected through the store) holds the core's Reconciler. It reads the
// records ingest has stored since its checkpoint, offers them to the engine, advances the engine to the stream
// time (stream-clock.ts), and commits the alert changes, the outbox and its checkpoint in one transaction.
//
// On taking leadership it restores the engine from the latest snapshot (committed with the offsets it covers, every
// so many records) and replays only the records stored after it: the rounds between two cuts are replayed as one
// (offer, then advance), which gives the same engine state as the rounds did, because a round without late records
// only adds records after the time already reached. A round that offered late records starts a new cut; a
// snapshot makes the cuts before it unnecessary. The replayed rounds regenerate alert changes already stored; they
// are dropped, not written again.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Millis } from '../../core/records.js';
import { backoffDelay, Stopped, withRetry } from '../backoff.js';
import { DecisionTerm, engineOptionsOf, type DeciderDeps, type DeciderSettings } from './decision-term.js';
import { reportedWithinMs, WarmStandby } from './warm-standby.js';
import { describeFailure } from '../errors.js';
import type { DeciderSession, StoredBatch } from '../store/state-store.js';

export { DEFAULT_DECIDER_TIMINGS, type DeciderDeps, type DeciderSettings } from './decision-term.js';

/** The longest wait before a decider whose terms keep failing (an unreadable snapshot, say) is a candidate again. */
const FAILED_TERMS_MAX_PAUSE_MS = 60_000;

export class Decider {
  readonly #deps: DeciderDeps;
  readonly #settings: DeciderSettings;
  readonly #log: Logger;
  #running = false;
  #loop: Promise<void> | null = null;
  #wake: AbortController = new AbortController();
  #term: DecisionTerm | null = null;
  readonly #standby: WarmStandby | null;

  constructor(deps: DeciderDeps, settings: DeciderSettings) {
    this.#deps = deps;
    this.#settings = settings;
    this.#log = deps.logger.child({ component: 'decider' });
    this.#standby = settings.standbyWarm ? new WarmStandby(deps.store, settings.instanceName, engineOptionsOf(deps, settings), deps.monotonicNow, deps.logger, (warm) => deps.metrics.deciderStandbyWarm.set(warm ? 1 : 0)) : null;
  }

  get leading(): boolean {
    return this.#term !== null;
  }

  /** A batch this process's ingest has just committed: the decider takes it from memory instead of the store. */
  stored(batch: StoredBatch): void {
    this.#term?.accept(batch);
  }

  /** The stream time of the last committed round, while this instance leads. */
  get streamTime(): Millis | null {
    return this.#term?.streamTime ?? null;
  }

  start(): void {
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Lets the round in hand commit, then gives up leadership. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake.abort();
    await this.#loop;
  }

  async #pause(ms: number): Promise<void> {
    if (!this.#running) return;
    try {
      await sleep(Math.max(0, ms), undefined, { signal: this.#wake.signal });
    } catch {
      // woken by stop()
    }
  }

  async #run(): Promise<void> {
    let standing = false;
    let failedTerms = 0;
    while (this.#running) {
      let session: DeciderSession | null;
      const asked = this.#deps.monotonicNow();
      try {
        // Standing by, it waits for the decider's lock for a poll's time: elected the moment the decider's session ends.
        const waitMs = standing ? this.#settings.standbyPollMs : 0;
        session = await withRetry('electing the decider', () => this.#deps.store.tryLead(this.#settings.instanceName, waitMs), this.#deps.retry, { shouldStop: () => !this.#running });
      } catch (error) {
        if (!(error instanceof Stopped)) this.#log.error({ error: describeFailure(error) }, 'cannot take part in the decider election');
        await this.#pause(this.#settings.standbyPollMs);
        continue;
      }
      if (session === null) {
        if (!standing) this.#log.info({ warm: this.#standby !== null }, 'another instance is the decider; standing by to take over');
        standing = true;
        await this.#standby?.refresh(this.#wake.signal);
        await this.#pause(this.#settings.standbyPollMs - (this.#deps.monotonicNow() - asked));
        continue;
      }
      standing = false;
      if (await this.#lead(session, failedTerms)) failedTerms = 0;
      else failedTerms++;
      // Terms that fail one after the other (a snapshot that cannot be read, say) are not retried every second: the
      // wait doubles up to a minute, and the lock is free meanwhile for an instance that can lead.
      const pauseMs = failedTerms === 0 ? this.#settings.standbyPollMs : backoffDelay({ initialMs: this.#settings.standbyPollMs, maxMs: FAILED_TERMS_MAX_PAUSE_MS }, failedTerms, Math.random);
      if (this.#running) await this.#pause(pauseMs);
    }
    await this.#standby?.withdraw();
  }

  /** Leads until stopped or the session is lost; false when the term failed before its engine was ready. */
  async #lead(session: DeciderSession, failedBefore: number): Promise<boolean> {
    let lost: Error | null = null;
    let ready = false;
    void session.lost.then((error) => { lost = error; });
    const term = new DecisionTerm(this.#deps, this.#settings, session);
    try {
      this.#log.info({ epoch: session.epoch }, 'elected decider; rebuilding the engine from the stored records');
      const { tookMs, replayed, warm } = await term.rebuild(this.#standby?.take() ?? null);
      void this.#standby?.withdraw();
      this.#deps.metrics.deciderTakeoverSeconds.set(tookMs / 1000);
      this.#deps.metrics.deciderTakeoverRecords.set(replayed);
      this.#deps.metrics.deciderTakeoverWarm.set(warm ? 1 : 0);
      ready = true;
      this.#term = term;
      this.#deps.metrics.deciderLeader.set(1);
      this.#deps.onLeadership(true);
      let lastGauges = this.#deps.monotonicNow();
      let lastLog = lastGauges;
      term.startWatchingEnds();
      while (this.#running && lost === null) {
        const full = await term.round();
        const now = this.#deps.monotonicNow();
        if (now - lastGauges >= this.#settings.gaugeRefreshMs) {
          term.refreshGauges();
          lastGauges = now;
        }
        if (now - lastLog >= this.#settings.progressLogMs) {
          term.logProgress();
          lastLog = now;
        }
        // A round that took its whole budget left a backlog: the next one starts at once.
        if (!full) await this.#pause(this.#settings.roundIntervalMs);
      }
      if (lost !== null) this.#log.warn({ error: describeFailure(lost) }, 'lost the decider connection; standing down');
      else {
        // Stopping, and still the decider: the alerts it committed go out before another instance can send its own.
        await this.#deps.handOver();
        if (await this.#standbyHolds(session)) {
          // Another instance holds the stored snapshot warm: it takes over from it and replays what was decided
          // since. A last snapshot would be newer than the one it holds, and it would restore that one cold.
          this.#log.info('a standby holds the stored snapshot warm: leaving it to take over from it, with no last snapshot');
        }
        // Stopping (a rolling restart, say) with no standby warm: a last snapshot, so that the next decider replays nothing.
        else await term.snapshotNow();
      }
    } catch (error) {
      if (ready) this.#log.warn({ error: describeFailure(error) }, 'decider round failed; standing down and rebuilding from the stored state');
      else {
        // Elected and never ready: nothing is decided until a term gets through its rebuild (OptOutNoDecider pages).
        const level = failedBefore === 0 ? 'warn' : 'error';
        this.#log[level]({ error: describeFailure(error), failedTakeovers: failedBefore + 1 }, 'could not rebuild the engine; standing down and trying again after a pause');
      }
    } finally {
      // Publishing stops first: what this term committed and did not send is the next decider's to send.
      this.#term = null;
      this.#deps.metrics.deciderLeader.set(0);
      this.#deps.onLeadership(false);
      // A pass sending alerts ends before the lock goes, so that none of this term's can follow the next decider's.
      await this.#deps.standDown();
      await term.stopWatchingEnds();
      await term.settle();
      await session.release();
    }
    return ready;
  }

  /** Whether another instance said lately that it holds the stored snapshot warm; no when that cannot be read. */
  async #standbyHolds(session: DeciderSession): Promise<boolean> {
    try {
      return await session.standbyHoldsSnapshot(this.#settings.instanceName, reportedWithinMs(this.#settings.standbyPollMs));
    } catch (error) {
      this.#log.warn({ error: describeFailure(error) }, 'cannot tell whether a standby holds the snapshot warm; taking a last one');
      return false;
    }
  }
}
