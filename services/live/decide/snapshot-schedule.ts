// When the decider takes its next snapshot: pure, from what happened since the last one and the monotonic clock.

/** Since the last snapshot: records offered, when it was taken, how long it held the event loop, and whether a round took its whole budget. */
export interface SinceSnapshot {
  readonly records: number;
  readonly at: number;
  readonly cost: number;
  readonly backlog: boolean;
}

export interface SnapshotSettings {
  /** A snapshot is taken once this many records have been offered since the last one... */
  readonly snapshotEveryRecords: number;
  /** ...or this long after the last one, if anything was offered since. */
  readonly snapshotMaxIntervalMs: number;
}

// Writing a snapshot out holds the event loop (that ingest shares) for a time in proportion to the engine's state:
// after one that held it for d, the next waits at least SNAPSHOT_SPACING × d, so snapshots never hold more than about
// a tenth of it however large the state. Only the loop's share counts: the compression, on libuv's thread pool, takes
// long on a busy machine, and counting it once held snapshots back for the rest of a backlog.
export const SNAPSHOT_SPACING = 9;

// Once a backlog is worked off the loop has time to spare, and every record decided since the last snapshot is one a
// decider taking over must replay: the snapshot then waits only BACKLOG_END_SPACING × d. Waiting out the whole spacing
// left a decider that crashed soon after a catch-up replaying up to nine times d of the backlog's records. Were
// backlogs to end again and again, snapshots would still hold the loop for at most a third of the time.
export const BACKLOG_END_SPACING = 2;

/**
 * Every snapshotEveryRecords records or snapshotMaxIntervalMs, and as soon as a backlog is worked off (the first
 * round short of its budget after a full one), so that a decider taking over after it replays next to nothing; never
 * sooner than the spacing after the last.
 */
export function isSnapshotDue(since: SinceSnapshot, now: number, roundWasFull: boolean, settings: SnapshotSettings): boolean {
  if (since.records === 0) return false;
  const elapsed = now - since.at;
  const backlogEnded = since.backlog && !roundWasFull;
  if (elapsed < (backlogEnded ? BACKLOG_END_SPACING : SNAPSHOT_SPACING) * since.cost) return false;
  return backlogEnded || since.records >= settings.snapshotEveryRecords || elapsed >= settings.snapshotMaxIntervalMs;
}
