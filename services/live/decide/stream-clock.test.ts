import { describe, expect, it } from 'vitest';
import { readStreamClock, type PartitionView } from './stream-clock.js';

const NO_CEILING = Infinity;
const settings = { allowedLatenessMs: 1_000, idleTimeoutMs: 5_000 };
const busy = (latestEventTime: number | null): PartitionView => ({ latestEventTime, caughtUp: false, silentForMs: 0 });
const quiet = (latestEventTime: number | null, silentForMs = 10_000): PartitionView => ({ latestEventTime, caughtUp: true, silentForMs });

describe('stream clock', () => {
  it('is the slowest active partition minus the allowed lateness', () => {
    expect(readStreamClock([busy(50_000), busy(20_000), busy(90_000)], settings, null, NO_CEILING)).toEqual({ streamTime: 19_000, active: 3, idle: 0 });
  });

  it('is held back by an active partition that has no record yet', () => {
    expect(readStreamClock([busy(50_000), busy(null)], settings, null, NO_CEILING).streamTime).toBeNull();
    expect(readStreamClock([busy(50_000), busy(null)], settings, 7_000, NO_CEILING).streamTime).toBe(7_000);
  });

  it('lets an idle partition stop holding it back', () => {
    expect(readStreamClock([busy(50_000), quiet(20_000), quiet(null)], settings, null, NO_CEILING)).toEqual({ streamTime: 49_000, active: 1, idle: 2 });
  });

  it('does not call a partition idle while it has records not yet read, however long it has been silent', () => {
    const lagging: PartitionView = { latestEventTime: 20_000, caughtUp: false, silentForMs: 60_000 };
    expect(readStreamClock([busy(50_000), lagging], settings, null, NO_CEILING).streamTime).toBe(19_000);
  });

  it('does not call a caught-up partition idle before the idle timeout', () => {
    expect(readStreamClock([busy(50_000), quiet(20_000, 5_000)], settings, null, NO_CEILING).streamTime).toBe(19_000);
  });

  it('moves up to the latest event time read anywhere once every partition is idle', () => {
    expect(readStreamClock([quiet(50_000), quiet(20_000), quiet(null)], settings, 30_000, NO_CEILING)).toEqual({ streamTime: 50_000, active: 0, idle: 3 });
  });

  it('never goes back', () => {
    expect(readStreamClock([busy(10_000)], settings, 30_000, NO_CEILING).streamTime).toBe(30_000);
    expect(readStreamClock([], settings, 30_000, NO_CEILING).streamTime).toBe(30_000);
  });

  it('never passes the ceiling (the wall clock plus MAX_FUTURE), whatever the partitions say', () => {
    expect(readStreamClock([busy(50_000), busy(90_000)], settings, null, 30_000).streamTime).toBe(30_000);
    expect(readStreamClock([quiet(9_000_000)], settings, 10_000, 30_000).streamTime).toBe(30_000);
  });

  it('does not go back when the ceiling is below where it stands (a wall clock set back)', () => {
    expect(readStreamClock([busy(50_000)], settings, 40_000, 30_000).streamTime).toBe(40_000);
  });
});
