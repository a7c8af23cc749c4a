// The engine's whole state as plain values, for a checkpoint: what reconciler.ts holds in its maps, heaps and
// queues, with episodes shared by reference between the keys, the timers and the manifest waits.
import type { Alert } from './alert.js';
import type { Change, Episode, KeyState } from './episode.js';
import type { CoveringManifest } from './manifest-coverage.js';
import type { Millis, NdsDissemination, NdsExtractManifest } from './records.js';

// Order of work at one instant: upstream changes, downstream changes (reconciliation-rules.md, "Order of
// changes"), then manifests and shares, which read state; timers last, so a change stamped at a deadline is in time.
export const PHASE = { UPSTREAM: 0, DOWNSTREAM: 1, MANIFEST: 2, SHARE: 3, TIMER: 4 } as const;

/** A record offered and not yet applied (its time is after the time reached). */
export type Queued =
  | { readonly time: Millis; readonly phase: 0 | 1; readonly id: string; readonly change: Change }
  | { readonly time: Millis; readonly phase: 2; readonly id: string; readonly manifest: NdsExtractManifest }
  | { readonly time: Millis; readonly phase: 3; readonly id: string; readonly share: NdsDissemination };

/** A timer that can still fire: its episode is open and it is the episode's latest schedule. */
export interface LiveTimer {
  readonly time: Millis;
  readonly seq: number;
  readonly episode: Episode;
}

export interface EngineState {
  /** The time reached; -Infinity before the first advance. */
  readonly reached: Millis;
  readonly timerSeq: number;
  /** In the order the keys were first seen. */
  readonly keys: readonly KeyState[];
  readonly queued: readonly Queued[];
  readonly timers: readonly LiveTimer[];
  /** Open episodes waiting for a manifest of their practice, in the order they began waiting. */
  readonly waiting: readonly (readonly [string, readonly Episode[]])[];
  readonly manifests: readonly (readonly [string, readonly CoveringManifest[]])[];
  readonly objectors: readonly string[];
  readonly alerts: readonly Alert[];
  readonly latency: readonly Millis[];
  /** SHARED_DESPITE_OBJECTION alerts fired, by supplier (they never resolve). */
  readonly sharesFired: readonly (readonly [string, number])[];
}
