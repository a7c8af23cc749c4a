// Stream time of the live service (the watermark), from what the decider knows of every input partition.
// Pure: the decider passes in each partition's view and the durations; nothing here reads a clock.
//
// Stream time is the minimum, over the partitions that are not idle, of the latest event time read from each,
// minus the allowed lateness. A partition is idle when everything in it has been read (no lag against the log
// end) and no record has come from it for the idle timeout (counted from when the decider took over, for a
// partition it has not seen a record from since). When every partition is idle, nothing is in flight: stream
// time moves up to the latest event time read anywhere. Stream time never passes the ceiling the decider passes
// in (the wall clock plus MAX_FUTURE), so a record dated in the future waits in the engine until its time comes.
// Stream time never goes back.
import type { Millis } from '../../core/records.js';

export interface PartitionView {
  /** Latest event time among the records read from the partition; null before any. */
  readonly latestEventTime: Millis | null;
  /** Every record in the partition's log has been read (and offered to the engine). */
  readonly caughtUp: boolean;
  /** Wall-clock milliseconds since the partition's last record, or since the decider started if less (or no record). */
  readonly silentForMs: number;
}

export interface ClockSettings {
  readonly allowedLatenessMs: number;
  readonly idleTimeoutMs: number;
}

export interface StreamClockReading {
  readonly streamTime: Millis | null;
  /** Partitions holding stream time back (not idle), and of those how many have no record yet. */
  readonly active: number;
  readonly idle: number;
}

export function isIdle(view: PartitionView, settings: ClockSettings): boolean {
  return view.caughtUp && view.silentForMs > settings.idleTimeoutMs;
}

export function readStreamClock(views: Iterable<PartitionView>, settings: ClockSettings, previous: Millis | null, ceiling: Millis): StreamClockReading {
  let activeMin: Millis | null = null;
  let activeWithoutRecords = false;
  let latestAnywhere: Millis | null = null;
  let active = 0;
  let idle = 0;
  for (const view of views) {
    const latest = view.latestEventTime;
    if (latest !== null && (latestAnywhere === null || latest > latestAnywhere)) latestAnywhere = latest;
    if (isIdle(view, settings)) {
      idle++;
      continue;
    }
    active++;
    if (latest === null) activeWithoutRecords = true;
    else if (activeMin === null || latest < activeMin) activeMin = latest;
  }
  let candidate: Millis | null;
  if (active === 0) candidate = latestAnywhere;
  else if (activeWithoutRecords || activeMin === null) candidate = null;
  else candidate = activeMin - settings.allowedLatenessMs;
  if (candidate !== null && candidate > ceiling) candidate = ceiling;
  const streamTime = candidate === null ? previous : previous === null ? candidate : Math.max(previous, candidate);
  return { streamTime, active, idle };
}
