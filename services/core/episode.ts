import type { Alert } from './alert.js';
import type { Millis, OptOutAction, OptOutType } from './records.js';
import type { EpisodeKind, Side } from './rules.js';

/** The record that flipped a side: its id and where it came from. */
export interface Origin {
  readonly id: string;
  readonly practiceOds: string;
  readonly supplier: string;
}

/** One side's opt-out as a GP event or a receipt says it, in the order of changes. */
export interface Change {
  readonly side: Side;
  readonly time: Millis;
  readonly nhsNumber: string;
  readonly type: OptOutType;
  readonly action: OptOutAction;
  readonly origin: Origin;
}

export interface SideState {
  active: boolean;
  latestTime: Millis;
  latestId: string;
  /** When the current ACTIVE stretch began (the flip that made it ACTIVE), and the record that flipped it. */
  activeSince: Millis;
  activeOrigin: Origin | null;
}

/** A maximal stretch of time in which one (patient, type) is inconsistent between the two sides. */
export interface Episode {
  readonly nhsNumber: string;
  readonly type: OptOutType;
  readonly kind: EpisodeKind;
  readonly start: Millis;
  readonly cause: Side;
  readonly origin: Origin;
  /**
   * Named when first needed (its alert fires, it is listed pending or its state is exported), from its cause and
   * origin: most episodes close before any rule comes due, and are never named.
   */
  alertId: string | null;
  manifestCheck: Millis | null;
  alert: Alert | null;
  open: boolean;
  /** Bumped on every reschedule, so superseded timers are recognised and skipped. */
  timerVersion: number;
}

export interface KeyState {
  readonly nhsNumber: string;
  readonly type: OptOutType;
  readonly upstream: SideState;
  readonly downstream: SideState;
  episode: Episode | null;
}

export function newSideState(): SideState {
  return { active: false, latestTime: -Infinity, latestId: '', activeSince: -Infinity, activeOrigin: null };
}

/** "Latest" orders by (timestamp, id). */
export function isAfterLatest(side: SideState, time: Millis, id: string): boolean {
  return time > side.latestTime || (time === side.latestTime && id > side.latestId);
}
