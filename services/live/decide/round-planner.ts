// A decision round, planned: which waiting records to offer from memory (the record feed) and which to load from the
// store, then, once they are offered, how each partition looks to the stream clock; and for a rebuild, the offsets
// to replay up to, cut by cut. Pure: the decision term gathers the inputs, executes the plan and commits.
import { eventTimeOf } from '../../core/offer-record.js';
import type { Millis, StreamName } from '../../core/records.js';
import type { DeciderCheckpoint, DeciderCut, OffsetRange, PartitionOffsets, PartitionProgress, StoredBatch } from '../store/state-store.js';
import { keyOf, topicOf, topicPartitionOf, type PartitionKey } from '../store/topic-partition.js';
import type { PartitionView } from './stream-clock.js';

/** The records waiting in memory, as the planner sees them (record-feed.ts). */
export interface WaitingRecords {
  partitions(): readonly PartitionKey[];
  batches(key: PartitionKey): readonly StoredBatch[];
  continuesAt(key: PartitionKey, at: number): boolean;
}

/** A range of a partition's stored records to load always holds at least this many offsets, however many partitions. */
const MIN_RANGE = 100;

/**
 * A partition whose latest event time is more than this ahead of the lowest among the partitions still to read (with
 * records to offer, or with records in the log that ingest has not stored yet) waits in the store. Stream time
 * follows the partition furthest behind, so the records of one far ahead would only wait in the engine's queue (and
 * in every snapshot of it) until the others caught up. For the same reason a partition takes its waiting batches
 * only up to the first record dated more than this ahead of that lowest time: a batch of a partition with few
 * records to the day can span years.
 */
export const AHEAD_LIMIT_MS = 7 * 86_400_000;

/**
 * The stored records to load to take each partition on from where it stands towards its target, about a budget in
 * all: the budget is shared among the partitions behind, each getting at least MIN_RANGE offsets.
 */
export function rangesToLoad(offered: ReadonlyMap<PartitionKey, number>, targets: readonly { readonly key: PartitionKey; readonly to: number }[], budget: number, streamOfTopic: ReadonlyMap<string, StreamName>): OffsetRange[] {
  const behind = targets.filter(({ key, to }) => to > (offered.get(key) ?? 0));
  const cap = Math.max(MIN_RANGE, Math.floor(budget / Math.max(1, behind.length)));
  return behind.map(({ key, to }) => {
    const { topic, partition } = topicPartitionOf(key);
    const from = offered.get(key) ?? 0;
    return { stream: streamOfTopic.get(topic)!, topic, partition, from, to: Math.min(to, from + cap) };
  });
}

/** Part of a waiting batch: its records at offsets from `from` up to `until` (exclusive). */
export interface BatchSlice {
  readonly batch: StoredBatch;
  readonly from: number;
  readonly until: number;
}

/** Waiting batches a partition takes from memory, as slices; the partition then stands at `to`. */
export interface MemoryTake {
  readonly key: PartitionKey;
  readonly slices: readonly BatchSlice[];
  /** Where the partition stands after the slices (where it stood, when there are none). */
  readonly to: number;
  /** Records the slices hold. */
  readonly records: number;
}

export interface RoundPlan {
  /** Every partition with records waiting that the round reached, in the order to offer them. */
  readonly fromMemory: readonly MemoryTake[];
  readonly fromStore: readonly OffsetRange[];
  /** Partitions with records to offer that the round leaves waiting, being ahead of the others in event time. */
  readonly held: number;
  /** Of those, the ones with batches waiting in memory: the first to leave to the store when memory is short. */
  readonly aheadInMemory: readonly PartitionKey[];
}

export interface RoundInputs {
  /** Offsets offered to the engine so far (exclusive), by partition. */
  readonly offered: ReadonlyMap<PartitionKey, number>;
  /** Latest event time offered from each partition (none for a partition nothing dated has come from). */
  readonly latestEventTime: ReadonlyMap<PartitionKey, Millis>;
  /** Where ingest stands on every input partition (the store's progress). */
  readonly progress: readonly PartitionProgress[];
  /**
   * The log end offsets last read, however old (an end only grows), or null before any: a partition whose log holds
   * records ingest has not stored is still to read, and holds the others back as one with records to offer does.
   */
  readonly logEnds: ReadonlyMap<PartitionKey, number> | null;
  readonly waiting: WaitingRecords;
  /**
   * The wall clock plus MAX_FUTURE: a record dated beyond it waits in the engine until its time comes, whatever
   * the partitions' times, so it never stops a take.
   */
  readonly ceiling: Millis;
  /** This round's number in the term: partitions level in event time take turns at going first. */
  readonly round: number;
  /** Records a round takes, about: a backlog is worked off in short rounds, so alerts keep flowing. */
  readonly budget: number;
  readonly streamOfTopic: ReadonlyMap<string, StreamName>;
}

/**
 * Partitions are taken in event-time order, the one furthest behind first (as Kafka Streams picks the partition
 * with the lowest timestamp), each about an equal share of the budget; one more than AHEAD_LIMIT_MS ahead of the
 * furthest behind waits. What this process's ingest just stored comes from memory, whole batches at a time while
 * the share lasts; the rest (other instances' partitions, batches the feed could not keep) from the store, for
 * partitions whose waiting batches do not take them on from where they stand.
 */
export function planRound(inputs: RoundInputs): RoundPlan {
  const { waiting, budget } = inputs;
  const offered = new Map(inputs.offered);
  const latest = (key: PartitionKey): number => inputs.latestEventTime.get(key) ?? -Infinity;
  const stored = new Map(inputs.progress.map((p) => [keyOf(p), p.nextOffset] as const));
  const toOffer = new Set<PartitionKey>();
  for (const [key, next] of stored) if (next > (offered.get(key) ?? 0)) toOffer.add(key);
  for (const key of waiting.partitions()) if (waiting.batches(key).some((b) => b.to > (offered.get(key) ?? 0))) toOffer.add(key);
  // A partition nothing dated has come from yet (or only records dated beyond the ceiling) goes first; its latest
  // time tells nothing of how far behind it is (its first waiting record does, below). One whose records ingest is
  // still storing (a topic with more records to the day than the others is stored further behind in event time)
  // holds the others back even while it has nothing stored to offer: otherwise they would run on ahead of it into
  // the engine's queue.
  const toRead = (key: PartitionKey): boolean => toOffer.has(key) || (inputs.logEnds?.get(key) ?? 0) > (stored.get(key) ?? 0);
  let frontier = Infinity;
  for (const [key, time] of inputs.latestEventTime) if (toRead(key)) frontier = Math.min(frontier, time);
  // A partition nothing dated has come from yet counts by the first record waiting for it in memory, where there is
  // one: when the decider starts on a backlog, none has a latest time, and every first batch would be taken whole.
  for (const key of waiting.partitions()) {
    if (inputs.latestEventTime.has(key)) continue;
    const next = nextWaitingTime(waiting.batches(key), offered.get(key) ?? 0);
    if (next !== null) frontier = Math.min(frontier, next);
  }
  const limit = frontier + AHEAD_LIMIT_MS;
  const eligible = (key: PartitionKey): boolean => latest(key) <= limit;
  let held = [...toOffer].filter((key) => !eligible(key)).length;
  const aheadInMemory = waiting.partitions().filter((key) => toOffer.has(key) && !eligible(key));
  // Shared among the partitions the round can take from: those left waiting ahead would only shrink every share.
  const takers = toOffer.size - held;
  const share = Math.max(MIN_RANGE, Math.floor(budget / Math.max(1, takers)));

  const fromMemory: MemoryTake[] = [];
  let taken = 0;
  const keys = waiting.partitions();
  const first = keys.length === 0 ? 0 : inputs.round % keys.length;
  const turn = (i: number): number => (i - first + keys.length) % keys.length;
  const order = keys.map((key, i) => ({ key, time: latest(key), turn: turn(i) }))
    .filter(({ key }) => eligible(key))
    .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.turn - b.turn));
  for (const { key } of order) {
    if (taken >= budget) break;
    // The partition furthest behind always takes a record, or a gap of more than the limit in its times would stop all.
    const take = takeFromMemory(key, waiting.batches(key), offered.get(key) ?? 0, Math.min(share, budget - taken), { limit, ceiling: inputs.ceiling, first: latest(key) <= frontier });
    if (take.slices.length > 0) offered.set(key, take.to);
    if (take.stoppedAt !== null) {
      held++;
      aheadInMemory.push(key);
    }
    fromMemory.push(take);
    taken += take.records;
  }
  if (taken >= budget) return { fromMemory, fromStore: [], held, aheadInMemory };
  const targets = inputs.progress
    .map((p) => ({ key: keyOf(p), to: p.nextOffset }))
    .filter(({ key }) => eligible(key) && !waiting.continuesAt(key, offered.get(key) ?? 0))
    .map(({ key, to }) => ({ key, to: Math.min(to, (offered.get(key) ?? 0) + share) }));
  return { fromMemory, fromStore: rangesToLoad(offered, targets, budget - taken, inputs.streamOfTopic), held, aheadInMemory };
}

/**
 * Batches that end at or before where the partition stands are passed over; one that begins after it (a gap) stops.
 * So does the first record dated beyond `limit` and not beyond `ceiling` (the take then ends before it), unless
 * `first` and nothing is taken yet.
 */
function takeFromMemory(key: PartitionKey, batches: readonly StoredBatch[], at: number, budget: number, times: { readonly limit: Millis; readonly ceiling: Millis; readonly first: boolean }): MemoryTake & { readonly stoppedAt: number | null } {
  const { limit, ceiling, first } = times;
  const slices: BatchSlice[] = [];
  let records = 0;
  let to = at;
  for (const batch of batches) {
    if (records >= budget) break;
    if (batch.to <= to) continue;
    if (batch.from > to) break;
    const from = to;
    for (const record of batch.records) {
      if (record.offset < from) continue;
      const time = eventTimeOf(record.stream, record.record);
      if (time > limit && time <= ceiling && (records > 0 || !first)) {
        if (record.offset > from) slices.push({ batch, from, until: record.offset });
        return { key, slices, to: record.offset, records, stoppedAt: record.offset };
      }
      records++;
    }
    slices.push({ batch, from, until: batch.to });
    to = batch.to;
  }
  return { key, slices, to, records, stoppedAt: null };
}

/** The event time of the first record waiting at or after the offset, if any waits. */
function nextWaitingTime(batches: readonly StoredBatch[], at: number): Millis | null {
  for (const batch of batches) {
    if (batch.to <= at) continue;
    for (const record of batch.records) if (record.offset >= at) return eventTimeOf(record.stream, record.record);
  }
  return null;
}

/** What the stream clock is told of the partitions, once a round's records are offered. */
export interface ClockInputs {
  readonly progress: ReadonlyMap<PartitionKey, PartitionProgress>;
  /** The log end offsets last read, and whether they are recent enough to call a partition caught up on. */
  readonly ends: { readonly offsets: ReadonlyMap<PartitionKey, number>; readonly fresh: boolean };
  readonly offered: ReadonlyMap<PartitionKey, number>;
  /** Latest event time offered from each partition (records dated beyond the ceiling not yet counted). */
  readonly latestEventTime: ReadonlyMap<PartitionKey, Millis>;
  /** The wall clock plus MAX_FUTURE. */
  readonly ceiling: Millis;
  /** Since the decider took over: no partition counts as silent for longer. */
  readonly silentSinceStartMs: number;
}

/** Every partition the log or the store knows of, as the stream clock sees it. */
export function partitionViews(inputs: ClockInputs): Map<PartitionKey, PartitionView> {
  const views = new Map<PartitionKey, PartitionView>();
  for (const key of new Set([...inputs.ends.offsets.keys(), ...inputs.progress.keys()])) {
    const stored = inputs.progress.get(key);
    const storedNext = stored?.nextOffset ?? 0;
    const allOffered = (inputs.offered.get(key) ?? 0) >= storedNext;
    const end = inputs.ends.fresh ? inputs.ends.offsets.get(key) : undefined;
    // Once everything stored is offered, the stored maximum (duplicates included) is safe to count, unless it is a
    // record dated beyond the ceiling.
    const storedMax = allOffered && stored?.maxEventTime != null && stored.maxEventTime <= inputs.ceiling ? stored.maxEventTime : null;
    views.set(key, {
      latestEventTime: maxOf(inputs.latestEventTime.get(key) ?? null, storedMax),
      caughtUp: allOffered && end !== undefined && storedNext >= end,
      silentForMs: Math.min(stored?.sinceLastRecordMs ?? Infinity, inputs.silentSinceStartMs),
    });
  }
  return views;
}

/** Partitions whose offered offset moved in a round, with where they now stand: the decided offsets to commit. */
export function movedOffsets(before: ReadonlyMap<PartitionKey, number>, after: ReadonlyMap<PartitionKey, number>): Map<PartitionKey, number> {
  const moved = new Map<PartitionKey, number>();
  for (const [key, offset] of after) if (offset !== before.get(key)) moved.set(key, offset);
  return moved;
}

/**
 * A round that offered late records starts a cut: where the engine stood before it (the committed stream time and
 * offsets), so that a rebuild replays the rounds before it as one and this one apart. Other rounds need none.
 */
export function cutBefore(lateRecords: number, streamTime: Millis | null, committed: PartitionOffsets): DeciderCut | null {
  return lateRecords > 0 ? { streamTime, offsets: new Map(committed) } : null;
}

/** One step of a rebuild: offer every stored record below these offsets, then advance to the stream time. */
export interface RebuildStep {
  readonly offsets: PartitionOffsets;
  readonly streamTime: Millis | null;
}

/**
 * A rebuild replays the rounds between two cuts as one (a round without late records only adds records after the
 * time already reached), then the rounds since the last cut; offsets of topics no longer read are left out.
 */
export function rebuildSteps(checkpoint: Pick<DeciderCheckpoint, 'cuts' | 'offsets' | 'streamTime'>, streamOfTopic: ReadonlyMap<string, StreamName>): RebuildStep[] {
  return [...checkpoint.cuts, { offsets: checkpoint.offsets, streamTime: checkpoint.streamTime }]
    .map((step) => ({ offsets: knownOffsets(step.offsets, streamOfTopic), streamTime: step.streamTime }));
}

/** The offsets of topics the decider reads. */
export function knownOffsets(offsets: PartitionOffsets, streamOfTopic: ReadonlyMap<string, StreamName>): Map<PartitionKey, number> {
  return new Map([...offsets].filter(([key]) => streamOfTopic.has(topicOf(key))));
}

function maxOf(a: Millis | null, b: Millis | null): Millis | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
