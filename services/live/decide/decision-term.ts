// One leadership term of the decider: the core's engine and what has been offered to it, from the rebuild that
// starts the term to the loss of leadership that ends it. See decider.ts for the election and the loop.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { AlertChange } from '../../core/alert.js';
import { idsForgottenBefore } from '../../core/duplicates.js';
import { eventTimeOf, offerRecord, type OfferResult } from '../../core/offer-record.js';
import { Reconciler, type EngineEffect, type Identity, type ReconcilerOptions } from '../../core/reconciler.js';
import type { Millis, StreamName } from '../../core/records.js';
import type { RetryObserver } from '../backoff.js';
import type { DecisionMetrics } from './decision-metrics.js';
import { RecordFeed } from './record-feed.js';
import { encodeDeciderState, restoreDeciderSnapshot, type DeciderState } from './decider-snapshot.js';
import { describeFailure } from '../errors.js';
import type { InputTopology } from '../kafka/input-topology.js';
import type { VerifierMetrics } from '../ops/metrics.js';
import { cutBefore, knownOffsets, movedOffsets, partitionViews, planRound, rangesToLoad, rebuildSteps } from './round-planner.js';
import { readStreamClock } from './stream-clock.js';
import { QueuedSources } from './queued-sources.js';
import { isSnapshotDue, type SinceSnapshot } from './snapshot-schedule.js';
import { keyOf, partitionMapOf, topicOf, type PartitionKey } from '../store/topic-partition.js';
import { sameCover, type DeciderCut, type DeciderSession, type EncodedAlertChange, type OffsetRange, type PartitionOffsets, type PartitionProgress, type SnapshotCover, type StateStore, type StoredBatch, type StoredRecord, type StoredSnapshot } from '../store/state-store.js';
import type { WarmEngine } from './warm-standby.js';

export interface DeciderSettings {
  readonly slaMs: number;
  readonly graceMs: number;
  readonly allowedLatenessMs: number;
  readonly idleTimeoutMs: number;
  readonly instanceName: string;
  readonly roundIntervalMs: number;
  readonly standbyPollMs: number;
  /** How old the log end offsets may be when a partition's idleness is decided. */
  readonly endOffsetsMaxAgeMs: number;
  /** Records read in one round (a backlog is taken in rounds of this size, so alerts keep flowing). */
  readonly roundBudget: number;
  readonly gaugeRefreshMs: number;
  readonly progressLogMs: number;
  /** What the engine remembers behind stream time for late records (manifests, settled patients): DEDUP_HORIZON. */
  readonly horizonMs: number;
  /** Stream time never passes the wall clock plus this (MAX_FUTURE). */
  readonly maxFutureMs: number;
  /** While another instance decides, keep its latest snapshot restored (warm-standby.ts): STANDBY_WARM. */
  readonly standbyWarm: boolean;
  /** A snapshot is taken once this many records have been offered since the last one... */
  readonly snapshotEveryRecords: number;
  /** ...or this long after the last one, if anything was offered since. */
  readonly snapshotMaxIntervalMs: number;
  readonly deadLetterRetentionMs: number;
}

export const DEFAULT_DECIDER_TIMINGS = {
  roundIntervalMs: 100, standbyPollMs: 1_000, endOffsetsMaxAgeMs: 1_000, roundBudget: 10_000, gaugeRefreshMs: 10_000, progressLogMs: 30_000,
  snapshotMaxIntervalMs: 300_000,
} as const;

/** How long a snapshot waits for the publisher to send the alerts of the round before it. */
const PUBLISH_WAIT_MS = 500;

/** Records a rebuild loads in one query: far more than a round's, since nothing waits on a rebuild's rounds. */
const REBUILD_LOAD = 50_000;

/**
 * A rebuild holds the event loop for about this long at most before it lets the loop run: at national scale a restore
 * and its replay take seconds, and ingest, Kafka heartbeats and the health endpoints share the loop. Letting it run
 * more often would hand more of the takeover's time to ingest.
 */
const REBUILD_HOLD_MS = 50;

/** How often a rebuild's replay looks at how long it has held the loop, in records (its restore: every 5,000 keys). */
const REBUILD_STEP = 1_000;

/** A snapshot taken, as stored, and by partition the offset from which a rebuild from it reads stored records. */
interface TakenSnapshot {
  readonly stored: StoredSnapshot;
  readonly neededFrom: PartitionOffsets;
}

/** Lets the event loop run (timers, I/O) before going on. */
const letLoopRun = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

export interface DeciderDeps {
  readonly store: StateStore;
  readonly topology: InputTopology;
  readonly streamOfTopic: ReadonlyMap<string, StreamName>;
  readonly identity: Identity;
  readonly encodeAlert: (change: AlertChange) => Buffer;
  readonly metrics: VerifierMetrics;
  readonly decisionMetrics: DecisionMetrics;
  readonly logger: Logger;
  readonly retry: RetryObserver;
  /** Called after a commit that put alert changes in the outbox; may return when they are published (or given up on). */
  readonly onAlertsCommitted: () => Promise<void> | void;
  readonly onLeadership: (leading: boolean) => void;
  /** Called on stopping, while leadership is still held: sends what this term committed before another can send. */
  readonly handOver: () => Promise<void>;
  /** Settles once nothing of this instance is being published (any stand-down, before the lock is given up). */
  readonly standDown: () => Promise<void>;
  /** Monotonic milliseconds, for durations. */
  readonly monotonicNow: () => number;
  /** Wall clock, epoch milliseconds: stamped on alert messages as decided-at. */
  readonly wallNow: () => number;
}

/** One leadership term: the engine and what has been offered to it, from a rebuild to the loss of leadership. */
export class DecisionTerm {
  readonly #deps: DeciderDeps;
  readonly #settings: DeciderSettings;
  readonly #session: DeciderSession;
  readonly #engineOptions: ReconcilerOptions;
  #engine: Reconciler;
  readonly #log: Logger;
  readonly #startedAt: number;
  /** Offsets offered to the engine (exclusive), and those committed. */
  readonly #offered = new Map<PartitionKey, number>();
  #committed: Map<PartitionKey, number> = new Map();
  #committedStreamTime: Millis | null = null;
  readonly #latestEventTime = new Map<PartitionKey, Millis>();
  /** Event times of records dated beyond the ceiling when offered, by partition, until the ceiling passes them. */
  readonly #futureTimes = new Map<PartitionKey, Millis[]>();
  #ceiling = -Infinity;
  #sinceSnapshot: { -readonly [K in keyof SinceSnapshot]: SinceSnapshot[K] } = { records: 0, at: 0, cost: 0, backlog: false };
  /** What the latest stored snapshot covers, once known (restored or taken in this term). */
  #snapshotCovers: { readonly streamTime: Millis | null; readonly offsets: ReadonlyMap<PartitionKey, number> } | null = null;
  /** The retention pass in progress (one at a time, in the background: a round never waits for it). */
  #retention: Promise<void> | null = null;
  #ends: { readonly at: number; readonly offsets: Map<PartitionKey, number> } | null = null;
  /** Batches this process's ingest committed, not yet offered. */
  readonly #feed: RecordFeed;
  /** Where the records in the engine's queue were read from: a snapshot leaves them out and names where. */
  readonly #queued = new QueuedSources();
  /**
   * Restored from a snapshot that held its queue (written by an earlier version), the engine holds records whose
   * offsets nothing here knows until its time reaches this; until then its snapshots keep their queue too.
   */
  #queueInsideUntil: Millis = -Infinity;
  #rounds = 0;
  #endsFailing = false;
  #watchingEnds = false;
  #endsWatcher: Promise<void> | null = null;
  #active = 0;
  #idle = 0;
  #recordsOffered = 0;
  #alertChanges = 0;
  /** Settles once the alerts of the latest commit that had any are published. */
  #publishing: Promise<void> | null = null;

  constructor(deps: DeciderDeps, settings: DeciderSettings, session: DeciderSession) {
    this.#deps = deps;
    this.#settings = settings;
    this.#session = session;
    this.#log = deps.logger.child({ component: 'decider', epoch: session.epoch });
    this.#engineOptions = engineOptionsOf(deps, settings);
    this.#engine = new Reconciler(this.#engineOptions);
    this.#startedAt = deps.monotonicNow();
    this.#sinceSnapshot.at = this.#startedAt;
    this.#feed = new RecordFeed(settings.roundBudget * 4);
  }

  get streamTime(): Millis | null {
    return this.#committedStreamTime;
  }

  accept(batch: StoredBatch): void {
    this.#feed.accept(batch);
  }

  /**
   * Restores the engine from the latest snapshot, then offers the records stored after it, replaying the rounds
   * between cuts as one. Returns how long it took, in milliseconds, and how many stored records it replayed.
   */
  async rebuild(warm: WarmEngine | null = null): Promise<{ tookMs: number; replayed: number; warm: boolean }> {
    const started = this.#deps.monotonicNow();
    this.#ceiling = this.#deps.wallNow() + this.#settings.maxFutureMs;
    const checkpoint = await this.#session.loadCheckpoint(warm?.cover ?? null);
    const fromWarm = checkpoint.snapshotHeld ? warm : null;
    // Not the stored one: dropped before the stored one is restored, so that two engines are never held at once.
    warm = null;
    const pause = this.#rebuildPause();
    const start = fromWarm !== null ? fromWarm
      : checkpoint.snapshot === null ? null
        : { state: await restoreDeciderSnapshot(checkpoint.snapshot.format, checkpoint.snapshot.state, this.#engineOptions, pause), cover: checkpoint.snapshot };
    if (start !== null) this.#startFrom(start.state, start.cover);
    const queuedFrom = start?.state.queuedFrom ?? null;
    const requeued = queuedFrom === null ? 0 : await this.#requeue(queuedFrom, pause);
    const restored = this.#recordsOffered;
    for (const step of rebuildSteps(checkpoint, this.#deps.streamOfTopic)) {
      await this.#offerUpTo(step.offsets, pause);
      if (step.streamTime === null) continue;
      this.#engine.advanceTo(step.streamTime);
      this.#queued.advanced(this.#engine.streamTime);
    }
    this.#committed = new Map(this.#offered);
    this.#committedStreamTime = checkpoint.streamTime;
    if (checkpoint.streamTime !== null) this.#deps.metrics.watermark.set(checkpoint.streamTime / 1000);
    this.refreshGauges();
    const tookMs = this.#deps.monotonicNow() - started;
    this.#log.info({
      snapshot: fromWarm !== null ? { streamTime: iso(fromWarm.cover.streamTime), warm: true }
        : checkpoint.snapshot === null ? null : { streamTime: iso(checkpoint.snapshot.streamTime), bytes: checkpoint.snapshot.state.length },
      records: this.#recordsOffered - restored, requeued, cuts: checkpoint.cuts.length, openAlerts: this.#engine.alerts().length,
      streamTime: iso(checkpoint.streamTime), tookMs: Math.round(tookMs),
    }, 'engine rebuilt; deciding');
    return { tookMs, replayed: this.#recordsOffered - restored, warm: fromWarm !== null };
  }

  /** A pause for a rebuild's steps: lets the event loop run once the rebuild has held it for REBUILD_HOLD_MS. */
  #rebuildPause(): () => Promise<void> {
    let since = this.#deps.monotonicNow();
    return async () => {
      if (this.#deps.monotonicNow() - since < REBUILD_HOLD_MS) return;
      await letLoopRun();
      since = this.#deps.monotonicNow();
    };
  }

  /** The engine and the partitions' times a snapshot holds, as the offsets it covers left them. */
  #startFrom(content: DeciderState, cover: SnapshotCover): void {
    const offsets = knownOffsets(cover.offsets, this.#deps.streamOfTopic);
    this.#engine = content.engine;
    this.#queueInsideUntil = content.queuedFrom === null ? content.engine.latestQueuedTime() : -Infinity;
    for (const [key, offset] of offsets) this.#offered.set(key, offset);
    this.#snapshotCovers = { streamTime: cover.streamTime, offsets: new Map(offsets) };
    for (const [key, time] of partitionMapOf(content.latestEventTime)) this.#latestEventTime.set(key, time);
    for (const [key, times] of partitionMapOf(content.futureTimes)) this.#futureTimes.set(key, [...times]);
  }

  /**
   * Offers again the records a snapshot left out of the engine's queue: each partition's stored records from the
   * offset the snapshot names up to the one it covers, those dated after the time the engine reached (the others
   * were applied). Only the engine is told: the partitions' times and the counts are the snapshot's already.
   * Returns how many were offered.
   */
  async #requeue(queuedFrom: ReadonlyMap<PartitionKey, number>, pause: () => Promise<void>): Promise<number> {
    const reached = this.#engine.streamTime;
    const from = knownOffsets(queuedFrom, this.#deps.streamOfTopic);
    // Only the partitions named: the others have nothing queued.
    const to = new Map([...from.keys()].map((key) => [key, this.#offered.get(key) ?? 0] as const));
    let requeued = 0;
    await this.#readStored(from, to, pause, (stored) => {
      const time = eventTimeOf(stored.stream, stored.record);
      if (time <= reached) return;
      if (offerRecord(this.#engine, stored.stream, stored.record, stored.meaning) === 'irrelevant') return;
      this.#queued.offered(keyOf(stored), stored.offset, time, reached);
      requeued++;
    });
    return requeued;
  }

  /** Offers every stored record below the target offsets (see #readStored), as the term before this one did. */
  async #offerUpTo(target: ReadonlyMap<PartitionKey, number>, pause: () => Promise<void>): Promise<void> {
    // Records a term before this one decided: counted then (future-dated ones, say), not again.
    await this.#readStored(this.#offered, target, pause, (record) => { this.#offer(record, false); }, (ranges) => {
      for (const range of ranges) this.#offered.set(keyOf(range), range.to);
    });
  }

  /**
   * Gives `take` every stored record from each partition's offset in `from` up to its target, REBUILD_LOAD records
   * at a time, the store reading the next load while `take` is given this one, pausing (see #rebuildPause) every
   * REBUILD_STEP records; `taken` is told of each load's ranges once all of it is given.
   */
  async #readStored(from: ReadonlyMap<PartitionKey, number>, target: ReadonlyMap<PartitionKey, number>, pause: () => Promise<void>, take: (record: StoredRecord) => void, taken: (ranges: readonly OffsetRange[]) => void = () => {}): Promise<void> {
    const targets = [...target].map(([key, to]) => ({ key, to }));
    const planned = new Map(from);
    const load = () => {
      const ranges = rangesToLoad(planned, targets, Math.max(REBUILD_LOAD, this.#settings.roundBudget), this.#deps.streamOfTopic);
      for (const range of ranges) planned.set(keyOf(range), range.to);
      if (ranges.length === 0) return null;
      const records = this.#session.loadRecords(ranges);
      records.catch(() => {}); // awaited below; a failure while the engine takes the load before is thrown there
      return { ranges, records };
    };
    let next = load();
    while (next !== null) {
      const records = await next.records;
      const current = next;
      next = load();
      for (let i = 0; i < records.length; i++) {
        if (i > 0 && i % REBUILD_STEP === 0) await pause();
        take(records[i]!);
      }
      taken(current.ranges);
    }
  }

  #offer(stored: StoredRecord, firstTime = true): OfferResult {
    const key = keyOf(stored);
    const time = eventTimeOf(stored.stream, stored.record);
    const result = offerRecord(this.#engine, stored.stream, stored.record, stored.meaning);
    if (result !== 'irrelevant') this.#queued.offered(key, stored.offset, time, this.#engine.streamTime);
    if (time > this.#ceiling) {
      // Dated beyond the wall clock plus MAX_FUTURE: it waits in the engine, and counts as its partition's latest
      // only once the ceiling has passed it, so it cannot pull stream time ahead of the clock.
      const times = this.#futureTimes.get(key);
      if (times) times.push(time);
      else this.#futureTimes.set(key, [time]);
      if (firstTime) this.#deps.metrics.futureRecords.inc({ topic: stored.topic });
    } else if (time > (this.#latestEventTime.get(key) ?? -Infinity)) {
      this.#latestEventTime.set(key, time);
    }
    this.#recordsOffered++;
    this.#sinceSnapshot.records++;
    return result;
  }

  /** Moves the ceiling to the wall clock plus MAX_FUTURE and lets the future-dated records it has passed count. */
  #raiseCeiling(): void {
    const ceiling = Math.max(this.#ceiling, this.#deps.wallNow() + this.#settings.maxFutureMs);
    this.#ceiling = ceiling;
    for (const [key, times] of this.#futureTimes) {
      // One pass, with no spread: a partition can hold more times than a call takes arguments.
      let latest = -Infinity;
      const rest: Millis[] = [];
      for (const t of times) {
        if (t > ceiling) rest.push(t);
        else if (t > latest) latest = t;
      }
      if (rest.length === times.length) continue;
      if (latest > (this.#latestEventTime.get(key) ?? -Infinity)) this.#latestEventTime.set(key, latest);
      if (rest.length === 0) this.#futureTimes.delete(key);
      else this.#futureTimes.set(key, rest);
    }
  }

  /**
   * Keeps the log end offsets fresh in the background (a round never waits on Kafka for them). Offsets older than
   * endOffsetsMaxAgeMs still tell which partitions exist, so the active ones can move stream time; but no
   * partition is called idle on them, because an idle partition must have nothing left to read.
   */
  startWatchingEnds(): void {
    const refresh = async () => {
      while (this.#watchingEnds) {
        await this.refreshEnds();
        await sleep(this.#settings.endOffsetsMaxAgeMs / 2);
      }
    };
    this.#watchingEnds = true;
    this.#endsWatcher = refresh();
  }

  /** Reads the log end offsets once (the watcher does, every half of endOffsetsMaxAgeMs); a failure is reported, not thrown. */
  async refreshEnds(): Promise<void> {
    try {
      this.#ends = { at: this.#deps.monotonicNow(), offsets: await this.#deps.topology.endOffsets() };
      if (this.#endsFailing) this.#log.info('reading the input topics\' end offsets again');
      this.#endsFailing = false;
    } catch (error) {
      this.#deps.metrics.kafkaRetries.inc();
      if (!this.#endsFailing) this.#log.warn({ error: describeFailure(error) }, 'cannot read the input topics\' end offsets; no partition counts as idle meanwhile');
      this.#endsFailing = true;
    }
  }

  async stopWatchingEnds(): Promise<void> {
    this.#watchingEnds = false;
    await this.#endsWatcher;
  }

  #endOffsets(): { offsets: Map<PartitionKey, number>; fresh: boolean } | null {
    if (this.#ends === null) return null;
    return { offsets: this.#ends.offsets, fresh: this.#deps.monotonicNow() - this.#ends.at <= this.#settings.endOffsetsMaxAgeMs };
  }

  /** One round: read what ingest stored, offer it, advance to the stream time, commit. */
  /** Returns whether the round took its whole budget (a backlog is waiting). */
  async round(): Promise<boolean> {
    // Alert messages carry this as decided-at: when the decider read the stream time that made them due.
    const roundStartedAt = this.#deps.wallNow();
    this.#raiseCeiling();
    const progress = (await this.#session.readProgress()).filter((p) => this.#deps.streamOfTopic.has(p.topic));
    const byKey = new Map<PartitionKey, PartitionProgress>(progress.map((p) => [keyOf(p), p]));
    const before = this.#committedStreamTime;
    const startedAt = new Map(this.#offered);
    const lateByTopic = new Map<string, number>();
    let offeredCount = 0;
    const offer = (record: StoredRecord) => {
      offeredCount++;
      if (this.#offer(record) === 'late') lateByTopic.set(record.topic, (lateByTopic.get(record.topic) ?? 0) + 1);
    };
    const plan = planRound({
      offered: this.#offered, latestEventTime: this.#latestEventTime, progress, logEnds: this.#ends?.offsets ?? null, waiting: this.#feed, ceiling: this.#ceiling, round: this.#rounds++, budget: this.#settings.roundBudget, streamOfTopic: this.#deps.streamOfTopic,
    });
    for (const take of plan.fromMemory) {
      for (const { batch, from, until } of take.slices) for (const record of batch.records) if (record.offset >= from && record.offset < until) offer(record);
      if (take.slices.length > 0) this.#offered.set(take.key, take.to);
      this.#feed.release(take.key, take.to);
    }
    // Batches of partitions ahead would fill memory while the ones behind are read back from the store: when another
    // round's worth would not fit, they are left to the store instead.
    if (this.#feed.filling(this.#settings.roundBudget)) for (const key of plan.aheadInMemory) this.#feed.drop(key);
    if (plan.fromStore.length > 0) for (const record of await this.#session.loadRecords(plan.fromStore)) offer(record);
    for (const range of plan.fromStore) this.#offered.set(keyOf(range), range.to);
    const moved = movedOffsets(startedAt, this.#offered);

    const ends = this.#endOffsets();
    let streamTime = before;
    if (ends !== null) {
      const views = partitionViews({
        progress: byKey, ends, offered: this.#offered, latestEventTime: this.#latestEventTime, ceiling: this.#ceiling,
        silentSinceStartMs: this.#deps.monotonicNow() - this.#startedAt,
      });
      const reading = readStreamClock(views.values(), this.#settings, before, this.#ceiling);
      streamTime = reading.streamTime;
      this.#active = reading.active;
      this.#idle = reading.idle;
    }
    // A round that took its whole budget, or left partitions ahead in event time waiting, leaves more to do at once.
    const full = offeredCount >= this.#settings.roundBudget || (plan.held > 0 && offeredCount > 0);
    if (offeredCount === 0 && streamTime === before) {
      if (moved.size > 0) await this.#commit(roundStartedAt, streamTime, moved, null, [], [], null);
      // A backlog's last round may have been full: the snapshot that ends it comes in a quiet round like this one.
      if (this.#snapshotDue(full)) await this.snapshotNow();
      return full;
    }
    const effects = streamTime === null ? [] : this.#engine.advanceTo(streamTime);
    this.#queued.advanced(this.#engine.streamTime);
    const late = [...lateByTopic.values()].reduce((a, b) => a + b, 0);
    const cut = cutBefore(late, before, this.#committed);
    const alertChanges = effects.flatMap((e) => (e.type === 'alert' ? [{ change: e.change, payload: this.#deps.encodeAlert(e.change) }] : []));
    await this.#commit(roundStartedAt, streamTime, moved, cut, alertChanges, effects, null);
    for (const [topic, count] of lateByTopic) this.#deps.metrics.lateRecords.inc({ topic }, count);
    if (late > 0) this.#log.info({ late: Object.fromEntries(lateByTopic), streamTime: iso(before) }, 'records older than the stream time applied late');
    // The snapshot is taken once the round's alerts are committed (the publisher already has them), and committed
    // on its own: its time never delays an alert. It covers the engine exactly as this round left it.
    if (full) this.#sinceSnapshot.backlog = true;
    if (this.#snapshotDue(full)) {
      // Taking the snapshot holds the event loop: the publisher sends this round's alerts first (waited for a while).
      if (alertChanges.length > 0) await this.#published();
      await this.snapshotNow();
    }
    return full;
  }

  /**
   * Takes a snapshot of the engine as the last committed round left it and commits it (with the offsets it covers),
   * replacing the stored one. Also called when leadership is given up on a stop with no standby holding the stored
   * one warm (Decider), so that the next decider has nothing to replay.
   */
  async snapshotNow(): Promise<void> {
    const covered = this.#snapshotCovers;
    if (covered !== null && sameCover(covered, { streamTime: this.#committedStreamTime, offsets: this.#committed })) return;
    const snapshot = await this.#takeSnapshot(this.#committedStreamTime);
    await this.#commit(this.#deps.wallNow(), this.#committedStreamTime, new Map(), null, [], [], snapshot);
  }

  /** Waits for the publisher to send the alerts of the latest commit that had any, PUBLISH_WAIT_MS at most. */
  async #published(): Promise<void> {
    const publishing = this.#publishing;
    if (publishing === null) return;
    const limit = new AbortController();
    await Promise.race([publishing, sleep(PUBLISH_WAIT_MS, undefined, { signal: limit.signal }).catch(() => {})]);
    limit.abort();
  }

  #snapshotDue(full: boolean): boolean {
    return isSnapshotDue(this.#sinceSnapshot, this.#deps.monotonicNow(), full, this.#settings);
  }

  /**
   * The engine as it stands after this round's advance, with every partition's offset it has been offered up to;
   * and by partition, the offset from which a rebuild from it reads stored records.
   */
  async #takeSnapshot(streamTime: Millis | null): Promise<TakenSnapshot> {
    const started = this.#deps.monotonicNow();
    this.#engine.forgetSettled();
    const forgetting = this.#deps.monotonicNow() - started;
    // Written out here, on the event loop, in steps with the loop let run between them (nothing else touches the
    // engine meanwhile: rounds wait for this one); compressed on libuv's thread pool.
    // The queue is left out, and named by where its records are stored, unless the engine still holds records of
    // a snapshot that kept its queue (their offsets are known to nobody).
    const reached = this.#engine.streamTime;
    const queuedFrom = reached >= this.#queueInsideUntil ? this.#queued.lowestWaiting(reached) : null;
    const { format, state, heldMs } = await encodeDeciderState({
      engine: this.#engine,
      latestEventTime: Object.fromEntries(this.#latestEventTime),
      futureTimes: Object.fromEntries(this.#futureTimes),
      queuedFrom,
    }, letLoopRun, this.#deps.monotonicNow);
    const held = forgetting + heldMs;
    const took = this.#deps.monotonicNow() - started;
    this.#sinceSnapshot = { records: 0, at: this.#deps.monotonicNow(), cost: held, backlog: false };
    this.#deps.metrics.deciderSnapshotBytes.set(state.length);
    this.#deps.metrics.deciderSnapshotSeconds.observe(took / 1000);
    const offsets = new Map(this.#offered);
    this.#snapshotCovers = { streamTime, offsets };
    // Retention keeps what a rebuild from it reads: the records after the offsets it covers, and its queue's.
    const needed = new Map(offsets);
    for (const [key, offset] of queuedFrom ?? []) needed.set(key, Math.min(offset, needed.get(key) ?? offset));
    return { stored: { format, streamTime, offsets, state }, neededFrom: needed };
  }

  async #commit(decidedAt: number, streamTime: Millis | null, moved: Map<PartitionKey, number>, cut: DeciderCut | null, alertChanges: EncodedAlertChange[], effects: readonly EngineEffect[], snapshot: TakenSnapshot | null): Promise<void> {
    const started = this.#deps.monotonicNow();
    await this.#session.commitRound({ streamTime, offsets: moved, cut, alertChanges, decidedAt, snapshot: snapshot?.stored ?? null });
    this.#deps.metrics.stateStoreCommitDuration.observe((this.#deps.monotonicNow() - started) / 1000);
    if (snapshot !== null) this.#retain(snapshot);
    for (const [key, offset] of moved) this.#committed.set(key, offset);
    this.#committedStreamTime = streamTime;
    if (streamTime !== null) this.#deps.metrics.watermark.set(streamTime / 1000);
    this.#deps.decisionMetrics.observe(effects);
    this.#alertChanges += alertChanges.length;
    if (alertChanges.length > 0) this.#publishing = this.#deps.onAlertsCommitted() ?? null;
  }

  /**
   * Once a snapshot is committed, the records before what a rebuild from it reads (its queue's and those after the
   * offsets it covers) are needed by no rebuild: retention removes them, remembering their ids for DEDUP_HORIZON
   * behind the newest record of their stream decided (the core's duplicate rule, idsForgottenBefore), and old
   * dead-letter notes. A failure is logged and the next snapshot tries again.
   */
  #retain(snapshot: TakenSnapshot): void {
    if (this.#retention !== null) return;
    const newest = new Map<StreamName, Millis>();
    for (const [key, time] of this.#latestEventTime) {
      const stream = this.#deps.streamOfTopic.get(topicOf(key));
      if (stream !== undefined && time > (newest.get(stream) ?? -Infinity)) newest.set(stream, time);
    }
    const plan = {
      covered: snapshot.neededFrom, streamOfTopic: this.#deps.streamOfTopic,
      forgetIdsBefore: new Map([...newest].map(([stream, time]) => [stream, idsForgottenBefore(time, this.#settings.horizonMs)] as const)),
      deadLetterRetentionMs: this.#settings.deadLetterRetentionMs,
    };
    this.#retention = this.#deps.store.retain(plan)
      .then((outcome) => {
        this.#deps.metrics.retentionPasses.inc();
        this.#log.debug({ forgotten: outcome }, 'retention: forgot what decisions no longer need');
      })
      .catch((error: unknown) => {
        this.#deps.metrics.retentionFailures.inc();
        this.#log.warn({ error: describeFailure(error) }, 'retention failed; the next snapshot tries again');
      })
      .finally(() => { this.#retention = null; });
  }

  /** Waits for a retention pass in progress, so that leadership is given up with no write of this term running. */
  async settle(): Promise<void> {
    await this.#retention;
  }

  refreshGauges(): void {
    this.#deps.decisionMetrics.refresh(this.#engine);
  }

  logProgress(): void {
    this.#log.info({
      streamTime: iso(this.#committedStreamTime), activePartitions: this.#active, idlePartitions: this.#idle,
      recordsOffered: this.#recordsOffered, alertChanges: this.#alertChanges,
    }, 'deciding');
  }
}

/** The options of a term's engine: a standby restores snapshots with the same. */
export function engineOptionsOf(deps: DeciderDeps, settings: DeciderSettings): ReconcilerOptions {
  return { slaMs: settings.slaMs, graceMs: settings.graceMs, identity: deps.identity, bounded: { horizonMs: settings.horizonMs } };
}

const iso = (t: Millis | null): string | null => (t === null ? null : new Date(t).toISOString());
