import { describe, expect, it } from 'vitest';
import { BACKLOG_END_SPACING, isSnapshotDue, SNAPSHOT_SPACING, type SinceSnapshot } from './snapshot-schedule.js';

const settings = { snapshotEveryRecords: 1_000, snapshotMaxIntervalMs: 60_000 };
// The last snapshot was taken at 0 and held the loop for 100 ms.
const since = (over: Partial<SinceSnapshot>): SinceSnapshot => ({ records: 10, at: 0, cost: 100, backlog: false, ...over });

describe('when the decider takes its next snapshot', () => {
  it.each([
    ['not with nothing offered since the last, however long ago', since({ records: 0, backlog: true }), 10 * 60_000, false, false],
    ['once enough records are offered, past the spacing', since({ records: 1_000 }), SNAPSHOT_SPACING * 100, true, true],
    ['not within the spacing, however many records', since({ records: 1_000_000 }), SNAPSHOT_SPACING * 100 - 1, true, false],
    ['once the longest interval has passed, with few records', since({}), 60_000, false, true],
    ['not before then, with few records and no backlog', since({}), 59_999, false, false],
    ['as a backlog is worked off, past the shorter spacing', since({ backlog: true }), BACKLOG_END_SPACING * 100, false, true],
    ['not within that shorter spacing', since({ backlog: true }), BACKLOG_END_SPACING * 100 - 1, false, false],
    ['not while the backlog lasts (a full round), with few records', since({ backlog: true }), SNAPSHOT_SPACING * 100, true, false],
    ['while the backlog lasts, only past the whole spacing', since({ records: 1_000, backlog: true }), BACKLOG_END_SPACING * 100, true, false],
  ] as const)('%s', (_, s, now, full, due) => {
    expect(isSnapshotDue(s, now, full, settings)).toBe(due);
  });

  it('spaces snapshots at the end of a backlog less than in it, and in proportion to what the last one held the loop', () => {
    expect(BACKLOG_END_SPACING).toBeLessThan(SNAPSHOT_SPACING);
    expect(isSnapshotDue(since({ backlog: true, cost: 1_000 }), BACKLOG_END_SPACING * 100, false, settings)).toBe(false);
  });
});
