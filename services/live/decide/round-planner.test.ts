import { describe, expect, it } from 'vitest';
import type { StreamName } from '../../core/records.js';
import type { PartitionProgress, StoredBatch } from '../store/state-store.js';
import { storedBatch } from '../store/testing/stored-batches.js';
import { partitionKey, type PartitionKey } from '../store/topic-partition.js';
import { RecordFeed } from './record-feed.js';
import { AHEAD_LIMIT_MS, cutBefore, type BatchSlice, movedOffsets, partitionViews, planRound, rebuildSteps, type ClockInputs } from './round-planner.js';

const streamOfTopic = new Map<string, StreamName>([['m', 'ndsManifests'], ['g', 'gpEvents']]);
const DAY = 86_400_000;
/** The wall clock plus MAX_FUTURE, far beyond every record's time here but one. */
const CEILING = 10_000 * DAY;
const key = (partition: number, topic = 'm'): PartitionKey => partitionKey(topic, partition);
const progress = (partition: number, nextOffset: number, topic = 'm'): PartitionProgress =>
  ({ topic, partition, nextOffset, maxEventTime: null, sinceLastRecordMs: null });

interface RoundCase {
  readonly name: string;
  readonly offered?: readonly [PartitionKey, number][];
  readonly progress: readonly PartitionProgress[];
  readonly waiting?: readonly StoredBatch[];
  readonly round?: number;
  readonly budget?: number;
  readonly latest?: readonly [PartitionKey, number][];
  /** The log end offsets last read, when any were. */
  readonly ends?: readonly [PartitionKey, number][];
  readonly held?: number;
  /** Partitions with batches waiting in memory that the round leaves waiting, ahead of the others. */
  readonly ahead?: readonly PartitionKey[];
  /** From memory: partition, offsets of the records taken, where it then stands. */
  readonly memory: readonly [PartitionKey, number[], number][];
  /** From the store: partition, from, to. */
  readonly store: readonly [PartitionKey, number, number][];
}

const rounds: RoundCase[] = [
  { name: 'loads what ingest stored since the partition\'s offset, from the store when nothing waits in memory',
    offered: [[key(0), 5]], progress: [progress(0, 12)], memory: [], store: [[key(0), 5, 12]] },
  { name: 'loads nothing for an empty partition or one offered to its end',
    offered: [[key(1), 4]], progress: [progress(0, 0), progress(1, 4)], memory: [], store: [] },
  { name: 'loads a partition added since the last round from its start',
    offered: [[key(0), 3]], progress: [progress(0, 3), progress(1, 2), progress(0, 7, 'g')], memory: [], store: [[key(1), 0, 2], [key(0, 'g'), 0, 7]] },
  { name: 'shares the budget among the partitions behind',
    progress: [progress(0, 1_000), progress(1, 1_000)], budget: 800, memory: [], store: [[key(0), 0, 400], [key(1), 0, 400]] },
  { name: 'gives each partition behind at least a hundred offsets, however small the share',
    progress: [progress(0, 1_000), progress(1, 1_000), progress(2, 50)], budget: 90, memory: [], store: [[key(0), 0, 100], [key(1), 0, 100], [key(2), 0, 50]] },
  { name: 'takes the records ingest just stored from memory, not the store, when they continue the partition',
    offered: [[key(0), 4]], progress: [progress(0, 9), progress(1, 3)], waiting: [storedBatch('m', 0, 4, 6), storedBatch('m', 0, 6, 9, [7])],
    memory: [[key(0), [4, 5, 6, 8], 9]], store: [[key(1), 0, 3]] },
  { name: 'reads the store over a gap before the waiting batches, and takes them in a later round',
    offered: [[key(0), 2]], progress: [progress(0, 9)], waiting: [storedBatch('m', 0, 5, 9)], memory: [[key(0), [], 2]], store: [[key(0), 2, 9]] },
  { name: 'takes a waiting batch from the partition\'s offset on when the cut falls inside it',
    offered: [[key(0), 7]], progress: [progress(0, 10)], waiting: [storedBatch('m', 0, 5, 10)], memory: [[key(0), [7, 8, 9], 10]], store: [] },
  { name: 'passes over a waiting batch that ends before the partition\'s offset',
    offered: [[key(0), 6]], progress: [progress(0, 8)], waiting: [storedBatch('m', 0, 2, 6), storedBatch('m', 0, 6, 8)], memory: [[key(0), [6, 7], 8]], store: [] },
  { name: 'takes whole batches while the budget lasts, then reads nothing from the store',
    progress: [progress(0, 300), progress(1, 40)], waiting: [storedBatch('m', 0, 0, 150), storedBatch('m', 0, 150, 300)], budget: 100,
    memory: [[key(0), range(0, 150), 150]], store: [] },
  { name: 'lets partitions with records waiting take turns at going first',
    progress: [progress(0, 150), progress(1, 150)], waiting: [storedBatch('m', 0, 0, 150), storedBatch('m', 1, 0, 150)], round: 1, budget: 100,
    memory: [[key(1), range(0, 150), 150]], store: [] },
  { name: 'takes the partition furthest behind in event time first, whatever its turn',
    progress: [progress(0, 150), progress(1, 150)], waiting: [storedBatch('m', 0, 0, 150), storedBatch('m', 1, 0, 150)], round: 0, budget: 100,
    latest: [[key(0), DAY * 3], [key(1), DAY]], memory: [[key(1), range(0, 150), 150]], store: [] },
  { name: 'takes a partition nothing dated was offered from first, holding no other back',
    progress: [progress(0, 150), progress(1, 150)], waiting: [storedBatch('m', 0, 0, 150), storedBatch('m', 1, 0, 150)], budget: 100,
    latest: [[key(0), DAY]], memory: [[key(1), range(0, 150), 150]], store: [] },
  { name: 'takes a partition nothing dated was offered from alongside the others',
    offered: [[key(0), 10]], progress: [progress(0, 400), progress(1, 400)], budget: 100, latest: [[key(0), DAY + AHEAD_LIMIT_MS * 9]],
    memory: [], store: [[key(0), 10, 110], [key(1), 0, 100]] },
  { name: 'leaves a partition more than the limit ahead of the one furthest behind waiting, in memory and in the store',
    offered: [[key(0), 10], [key(1), 10], [key(2), 10]], progress: [progress(0, 50), progress(1, 50), progress(2, 50)],
    waiting: [storedBatch('m', 2, 10, 50)], latest: [[key(0), DAY], [key(1), DAY + AHEAD_LIMIT_MS], [key(2), DAY + AHEAD_LIMIT_MS + 1]],
    memory: [], store: [[key(0), 10, 50], [key(1), 10, 50]], held: 1, ahead: [key(2)] },
  { name: 'does not count a partition with nothing more to offer as behind',
    offered: [[key(0), 50], [key(1), 10]], progress: [progress(0, 50), progress(1, 50)], latest: [[key(0), DAY], [key(1), DAY + AHEAD_LIMIT_MS * 4]],
    memory: [], store: [[key(1), 10, 50]] },
  { name: 'does not count a partition with nothing more to offer as behind when its log holds nothing more either',
    offered: [[key(0), 50], [key(1), 10]], progress: [progress(0, 50), progress(1, 50)], latest: [[key(0), DAY], [key(1), DAY + AHEAD_LIMIT_MS * 4]],
    ends: [[key(0), 50], [key(1), 70]], memory: [], store: [[key(1), 10, 50]] },
  { name: 'counts a partition as behind while its log holds records ingest has not stored, though nothing stored waits',
    offered: [[key(0), 50], [key(1), 10], [key(2), 10]], progress: [progress(0, 50), progress(1, 50), progress(2, 50)],
    waiting: [storedBatch('m', 1, 10, 50)], latest: [[key(0), DAY], [key(1), DAY + AHEAD_LIMIT_MS * 1.5], [key(2), DAY + AHEAD_LIMIT_MS]],
    ends: [[key(0), 80]], memory: [], store: [[key(2), 10, 50]], held: 1, ahead: [key(1)] },
  { name: 'takes a waiting batch only up to its first record dated more than the limit ahead of the partition furthest behind',
    progress: [progress(0, 50), progress(1, 50)], waiting: [storedBatch('m', 0, 0, 50, [], (o) => o * DAY)], offered: [[key(1), 10]],
    latest: [[key(0), -DAY], [key(1), 0]], memory: [[key(0), range(0, 7), 7]], store: [[key(1), 10, 50]], held: 1, ahead: [key(0)] },
  { name: 'reckons a partition nothing dated has come from by its first waiting record, so that no first batch is taken whole',
    progress: [progress(0, 50), progress(1, 50)], waiting: [storedBatch('m', 0, 0, 50, [], (o) => o * DAY), storedBatch('m', 1, 0, 50, [], (o) => o * DAY + DAY / 2)],
    memory: [[key(0), range(0, 8), 8], [key(1), range(0, 7), 7]], store: [], held: 2, ahead: [key(0), key(1)] },
  { name: 'takes the next record of the partition furthest behind however far ahead it is dated, so that a gap stops nothing',
    offered: [[key(0), 5]], progress: [progress(0, 50)], waiting: [storedBatch('m', 0, 0, 50, [], (o) => (o < 5 ? o : o * 100) * DAY)],
    latest: [[key(0), 4 * DAY]], memory: [[key(0), [5], 6]], store: [], held: 1, ahead: [key(0)] },
  { name: 'takes a record dated beyond the ceiling (it waits in the engine), and stops at the next beyond the limit',
    offered: [[key(1), 50]], progress: [progress(0, 50), progress(1, 50)], waiting: [storedBatch('m', 0, 0, 50, [], (o) => (o === 2 ? CEILING + 1 : o * DAY))],
    latest: [[key(0), -DAY], [key(1), 0]], memory: [[key(0), range(0, 7), 7]], store: [], held: 1, ahead: [key(0)] },
  { name: 'takes a batch whole when every record is dated within the limit',
    offered: [[key(1), 50]], progress: [progress(0, 50), progress(1, 50)], waiting: [storedBatch('m', 0, 0, 50, [], (o) => (o * DAY) / 10)],
    latest: [[key(0), -DAY], [key(1), 0]], memory: [[key(0), range(0, 50), 50]], store: [] },
  { name: 'shares the budget among the partitions it can take from, not those left waiting ahead',
    offered: [[key(0), 0], [key(1), 0], [key(2), 0]], progress: [progress(0, 1_000), progress(1, 1_000), progress(2, 1_000)], budget: 800,
    latest: [[key(0), DAY], [key(1), DAY + AHEAD_LIMIT_MS * 2], [key(2), DAY]], memory: [], store: [[key(0), 0, 400], [key(2), 0, 400]], held: 1 },
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

describe('round planner: what a round offers', () => {
  it.each(rounds)('$name', (c) => {
    const feed = new RecordFeed(10_000);
    for (const b of c.waiting ?? []) feed.accept(b);
    const offered = new Map(c.offered ?? []);
    const plan = planRound({ offered, latestEventTime: new Map(c.latest ?? []), progress: c.progress, logEnds: c.ends === undefined ? null : new Map(c.ends), waiting: feed, ceiling: CEILING, round: c.round ?? 0, budget: c.budget ?? 10_000, streamOfTopic });
    const inSlice = ({ batch, from, until }: BatchSlice) => batch.records.filter((r) => r.offset >= from && r.offset < until);
    expect(plan.fromMemory.map((t) => [t.key, t.slices.flatMap((slice) => inSlice(slice).map((r) => r.offset)), t.to])).toEqual(c.memory);
    for (const t of plan.fromMemory) expect(t.records).toBe(t.slices.reduce((n, slice) => n + inSlice(slice).length, 0));
    expect(plan.fromStore.map((r) => [partitionKey(r.topic, r.partition), r.from, r.to])).toEqual(c.store);
    expect(plan.fromStore.every((r) => r.stream === streamOfTopic.get(r.topic))).toBe(true);
    expect(offered).toEqual(new Map(c.offered ?? []));
    expect(plan.held).toBe(c.held ?? 0);
    expect(plan.aheadInMemory).toEqual(c.ahead ?? []);
  });
});

describe('round planner: what the stream clock is told', () => {
  const base: ClockInputs = {
    progress: new Map([[key(0), { ...progress(0, 10), maxEventTime: 500, sinceLastRecordMs: 2_000 }]]),
    ends: { offsets: new Map([[key(0), 10]]), fresh: true },
    offered: new Map([[key(0), 10]]),
    latestEventTime: new Map([[key(0), 400]]),
    ceiling: 1_000,
    silentSinceStartMs: 60_000,
  };

  it.each([
    ['a partition offered to its stored end and the log\'s: caught up, the stored maximum counted', {}, { latestEventTime: 500, caughtUp: true, silentForMs: 2_000 }],
    ['stored records not yet offered: neither caught up nor the stored maximum counted', { offered: new Map([[key(0), 8]]) }, { latestEventTime: 400, caughtUp: false, silentForMs: 2_000 }],
    ['end offsets too old to tell: not caught up', { ends: { offsets: new Map([[key(0), 10]]), fresh: false } }, { latestEventTime: 500, caughtUp: false, silentForMs: 2_000 }],
    ['records in the log not stored yet: not caught up', { ends: { offsets: new Map([[key(0), 12]]), fresh: true } }, { latestEventTime: 500, caughtUp: false, silentForMs: 2_000 }],
    ['a stored maximum beyond the ceiling is not counted', { ceiling: 450 }, { latestEventTime: 400, caughtUp: true, silentForMs: 2_000 }],
    ['silent no longer than since the decider took over', { silentSinceStartMs: 1_000 }, { latestEventTime: 500, caughtUp: true, silentForMs: 1_000 }],
  ] as const)('%s', (_, over, expected) => {
    expect(partitionViews({ ...base, ...over }).get(key(0))).toEqual(expected);
  });

  it('sees an empty partition the log knows of and the store does not: no record, caught up, silent since the take-over', () => {
    const views = partitionViews({ ...base, ends: { offsets: new Map([[key(0), 10], [key(1), 0]]), fresh: true } });
    expect(views.get(key(1))).toEqual({ latestEventTime: null, caughtUp: true, silentForMs: 60_000 });
    expect([...views.keys()]).toEqual([key(0), key(1)]);
  });

  it('sees a partition the store knows of before the log\'s end offsets list it, never caught up', () => {
    const views = partitionViews({ ...base, progress: new Map([...base.progress, [key(2), progress(2, 0)]]) });
    expect(views.get(key(2))).toEqual({ latestEventTime: null, caughtUp: false, silentForMs: 60_000 });
  });
});

describe('round planner: the steps of a rebuild', () => {
  it('replays up to each cut, then up to the checkpoint, leaving out topics no longer read', () => {
    const offsets = (entries: [PartitionKey, number][]) => new Map(entries);
    const steps = rebuildSteps({
      cuts: [{ streamTime: 100, offsets: offsets([[key(0), 3], [key(0, 'gone'), 9]]) }, { streamTime: null, offsets: offsets([[key(0), 5]]) }],
      offsets: offsets([[key(0), 8], [key(1, 'g'), 2]]), streamTime: 300,
    }, streamOfTopic);
    expect(steps).toEqual([
      { streamTime: 100, offsets: offsets([[key(0), 3]]) },
      { streamTime: null, offsets: offsets([[key(0), 5]]) },
      { streamTime: 300, offsets: offsets([[key(0), 8], [key(1, 'g'), 2]]) },
    ]);
  });

  it('with no cuts, replays up to the checkpoint alone', () => {
    expect(rebuildSteps({ cuts: [], offsets: new Map(), streamTime: null }, streamOfTopic)).toEqual([{ streamTime: null, offsets: new Map() }]);
  });
});

describe('round planner: what a round commits', () => {
  it('commits the offsets of the partitions that moved, a partition new to the round among them', () => {
    const before = new Map([[key(0), 5], [key(1), 3]]);
    const after = new Map([[key(0), 9], [key(1), 3], [key(2), 4]]);
    expect(movedOffsets(before, after)).toEqual(new Map([[key(0), 9], [key(2), 4]]));
    expect(movedOffsets(after, after)).toEqual(new Map());
  });

  it('cuts before a round that offered late records, at the committed stream time and offsets, and not otherwise', () => {
    const committed = new Map([[key(0), 5]]);
    const cut = cutBefore(2, 1_000, committed);
    expect(cut).toEqual({ streamTime: 1_000, offsets: new Map([[key(0), 5]]) });
    expect(cut!.offsets).not.toBe(committed);
    expect(cutBefore(0, 1_000, committed)).toBeNull();
  });
});
