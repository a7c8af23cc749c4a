import { escalate, fire, resolve, type Alert, type AlertChange } from './alert.js';
import type { CodeMeaning } from './code-catalogue.js';
import { isAfterLatest, newSideState, type Change, type Episode, type KeyState } from './episode.js';
import { PHASE, type EngineState, type LiveTimer, type Queued } from './engine-state.js';
import { ManifestCoverage } from './manifest-coverage.js';
import { EventQueue } from './event-queue.js';
import { MinHeap } from './min-heap.js';
import type { GpOptOutEvent, Millis, NdsDissemination, NdsExtractManifest, NdsReceivedObjection, OptOutType } from './records.js';
import { episodeKindOf, firstRuleOf, SEVERITY, type EpisodeKind, type Rule, type Severity, type Side } from './rules.js';

/** What the engine needs from outside to name things, without doing I/O itself. */
export interface Identity {
  /** A stable alert id from a seed that names the causing record. */
  alertIdFor(seed: string): string;
  /** The keyed pseudonym of an NHS number. */
  patientRefFor(nhsNumber: string): string;
}

export interface ReconcilerOptions {
  readonly slaMs: Millis;
  readonly graceMs: Millis;
  readonly identity: Identity;
  /**
   * The live service's engine runs for years: it keeps what decisions need and forgets the rest. Resolved alerts,
   * SHARED_DESPITE_OBJECTION alerts (counted by supplier instead), latency samples and the objector list are not
   * kept; manifests that cover only up to more than horizonMs before the time reached are dropped, and so (by
   * forgetSettled) are patients with nothing active, nothing open and nothing newer than that. Only a record
   * later than horizonMs can be decided differently for it. Without this, everything is kept (the replay's report).
   */
  readonly bounded?: { readonly horizonMs: Millis };
  /**
   * The caller offers records in event-time order and never late (a replay feeding its inputs merged, advancing
   * only to instants no record still to come is stamped at or before): manifests that cover only up to before the
   * time reached are dropped (every so many manifests), since no episode can open early enough to be covered by
   * them. A late record is refused.
   */
  readonly inOrder?: boolean;
}

export type EngineEffect =
  | { readonly type: 'alert'; readonly change: AlertChange }
  | { readonly type: 'episode-opened'; readonly kind: EpisodeKind; readonly practiceOds: string; readonly supplier: string; readonly at: Millis }
  | { readonly type: 'episode-closed'; readonly kind: EpisodeKind; readonly practiceOds: string; readonly supplier: string; readonly at: Millis; readonly by: Side; readonly latencyMs: Millis | null };

export interface PendingEpisode {
  readonly alertId: string;
  readonly rule: Rule;
  readonly severity: Severity;
  readonly upstreamEventId: string | null;
  readonly receiptId: string | null;
  readonly disseminationId: null;
  readonly patientRef: string;
  readonly practiceOds: string;
  readonly supplier: string;
  readonly optOutType: OptOutType;
  readonly episodeStart: Millis;
  readonly dueAt: Millis;
}

interface Timer {
  readonly time: Millis;
  readonly seq: number;
  readonly episode: Episode;
  readonly version: number;
}

// An engine fed in order forgets manifests once this many more have been applied, not at every advance: forgetting
// rebuilds each practice's columns, and a replay advances thousands of times.
const IN_ORDER_FORGET_EVERY = 65_536;

const queuedBefore = (a: Queued, b: Queued): boolean =>
  a.time < b.time || (a.time === b.time && (a.phase < b.phase || (a.phase === b.phase && a.id < b.id)));
const timerBefore = (a: Timer, b: Timer): boolean => a.time < b.time || (a.time === b.time && a.seq < b.seq);

/**
 * The reconciliation rules on event time. Records are offered in any order; `advanceTo(T)` applies, in the
 * order of changes, everything stamped at or before T and fires the timers due at or before T. A record
 * stamped at or before the time already reached is late: it is applied at the next advance, never dropped.
 */
export class Reconciler {
  private readonly queue: EventQueue<Queued>;
  private readonly timers = new MinHeap<Timer>(timerBefore);
  // Every key, in the order first seen; and each type's keys by patient, looked up without building a string.
  private readonly keys = new Set<KeyState>();
  private readonly keysByType: { readonly [T in OptOutType]: Map<string, KeyState> } = { TYPE_1: new Map(), TYPE_2: new Map() };
  private readonly manifests = new ManifestCoverage();
  private readonly waitingForManifest = new Map<string, Set<Episode>>();
  private readonly objectorSet = new Set<string>();
  private readonly alertsById = new Map<string, Alert>();
  private readonly latency: Millis[] = [];
  private readonly sharesFired = new Map<string, number>();
  private timerSeq = 0;
  private reached = -Infinity;
  private manifestsSinceForget = 0;

  constructor(private readonly options: ReconcilerOptions) {
    // Fed in order, each slice offered is sorted whole (nearly linear, as it comes nearly sorted) rather than
    // pushed through the heap one item at a time.
    this.queue = new EventQueue<Queued>(queuedBefore, options.inOrder ? 1 : undefined);
  }

  /** The event time up to which everything has been applied. */
  get streamTime(): Millis {
    return this.reached;
  }

  offerGpEvent(event: GpOptOutEvent, meaning: CodeMeaning): 'on-time' | 'late' {
    if (meaning.action === 'DISSENT' && !this.options.bounded) this.objectorSet.add(event.nhsNumber);
    const origin = { id: event.eventId, practiceOds: event.practiceOds, supplier: event.supplier };
    return this.enqueue({ time: event.recordedAt, phase: PHASE.UPSTREAM, id: event.eventId, change: { side: 'UPSTREAM', time: event.recordedAt, nhsNumber: event.nhsNumber, type: meaning.type, action: meaning.action, origin } });
  }

  offerReceipt(receipt: NdsReceivedObjection, meaning: CodeMeaning): 'on-time' | 'late' {
    const origin = { id: receipt.receiptId, practiceOds: receipt.practiceOds, supplier: receipt.supplier };
    return this.enqueue({ time: receipt.receivedAt, phase: PHASE.DOWNSTREAM, id: receipt.receiptId, change: { side: 'DOWNSTREAM', time: receipt.receivedAt, nhsNumber: receipt.nhsNumber, type: meaning.type, action: meaning.action, origin } });
  }

  offerManifest(manifest: NdsExtractManifest): 'on-time' | 'late' {
    return this.enqueue({ time: manifest.receivedAt, phase: PHASE.MANIFEST, id: manifest.extractId, manifest });
  }

  /** Only releases for purposes other than direct care can breach an objection; others are not kept. */
  offerDissemination(share: NdsDissemination): 'on-time' | 'late' | 'irrelevant' {
    if (share.purpose === 'DIRECT_CARE') return 'irrelevant';
    return this.enqueue({ time: share.sharedAt, phase: PHASE.SHARE, id: share.disseminationId, share });
  }

  /**
   * Every patient for whom a GP event offered so far records a dissent. Nobody else is ever ACTIVE upstream,
   * so a caller that has offered every GP event may skip other patients' releases.
   */
  objectors(): string[] {
    return [...this.objectorSet];
  }

  /**
   * `collect` false: the same state changes, with no effects listed (a caller that reads only the final state,
   * such as the replay, is spared holding one object per change until the end).
   */
  advanceTo(until: Millis, collect = true): EngineEffect[] {
    const effects: EngineEffect[] | null = collect ? [] : null;
    for (;;) {
      const next = this.queue.peek();
      const timer = this.timers.peek();
      const takeTimer = timer !== undefined && timer.time <= until &&
        (next === undefined || timer.time < next.time);
      if (takeTimer) {
        this.timers.pop();
        this.fireTimer(timer, effects);
        continue;
      }
      if (next === undefined || next.time > until) break;
      this.queue.pop();
      if (next.phase === PHASE.MANIFEST) this.applyManifest(next.manifest, effects);
      else if (next.phase === PHASE.SHARE) this.judgeShare(next.share, effects);
      else this.applyChange(next.change, effects);
    }
    if (until > this.reached) {
      this.reached = until;
      if (this.options.bounded) this.manifests.forgetBefore(until - this.options.bounded.horizonMs);
      else if (this.options.inOrder && this.manifestsSinceForget >= IN_ORDER_FORGET_EVERY) {
        this.manifests.forgetBefore(until);
        this.manifestsSinceForget = 0;
      }
    }
    return effects ?? [];
  }

  /**
   * Bounded engines only: drops patients whose sides are both inactive, with no open episode and nothing newer
   * than the horizon. A record after the time reached finds a forgotten patient exactly as it would have found
   * them; only a record older than what the patient's sides last saw (so later than the horizon) could differ.
   */
  forgetSettled(): number {
    const bounded = this.options.bounded;
    if (!bounded) return 0;
    const before = this.reached - bounded.horizonMs;
    let forgotten = 0;
    for (const key of this.keys) {
      if (key.episode || key.upstream.active || key.downstream.active) continue;
      if (key.upstream.latestTime >= before || key.downstream.latestTime >= before) continue;
      this.keys.delete(key);
      this.keysByType[key.type].delete(key.nhsNumber);
      forgotten++;
    }
    return forgotten;
  }

  /** Patients held, once per opt-out type with a history kept: what the engine's state grows with. */
  get keyCount(): number {
    return this.keys.size;
  }

  /** SHARED_DESPITE_OBJECTION alerts fired so far, by supplier: they never resolve, so all are firing. */
  sharesFiredBySupplier(): ReadonlyMap<string, number> {
    return this.sharesFired;
  }

  /** The latest event time among the records offered and not yet applied; -Infinity when none waits. */
  latestQueuedTime(): Millis {
    let latest = -Infinity;
    for (const item of this.queue.values()) if (item.time > latest) latest = item.time;
    return latest;
  }

  /** The whole state as plain values (see engine-snapshot.ts for its encoding). */
  exportState(): EngineState {
    const timers: LiveTimer[] = [];
    for (const timer of this.timers.values()) {
      if (timer.episode.open && timer.version === timer.episode.timerVersion) timers.push({ time: timer.time, seq: timer.seq, episode: timer.episode });
    }
    // Every open episode named, so that the state holds each one's alert id.
    for (const key of this.keys) if (key.episode) this.alertIdOf(key.episode);
    return {
      reached: this.reached, timerSeq: this.timerSeq, keys: [...this.keys], queued: this.queue.values(), timers,
      waiting: [...this.waitingForManifest].filter(([, set]) => set.size > 0).map(([ods, set]) => [ods, [...set]] as const),
      manifests: this.manifests.entries(), objectors: [...this.objectorSet], alerts: [...this.alertsById.values()],
      latency: [...this.latency], sharesFired: [...this.sharesFired],
    };
  }

  /** An engine in exactly the given state; fed the same records from there, it makes the same effects. */
  static fromState(state: EngineState, options: ReconcilerOptions): Reconciler {
    const engine = new Reconciler(options);
    engine.reached = state.reached;
    engine.timerSeq = state.timerSeq;
    for (const key of state.keys) {
      engine.keys.add(key);
      engine.keysByType[key.type].set(key.nhsNumber, key);
    }
    for (const item of state.queued) engine.queue.push(item);
    for (const timer of state.timers) engine.timers.push({ ...timer, version: timer.episode.timerVersion });
    for (const [ods, episodes] of state.waiting) engine.waitingForManifest.set(ods, new Set(episodes));
    for (const [ods, manifests] of state.manifests) for (const m of manifests) engine.manifests.add(ods, m);
    for (const nhsNumber of state.objectors) engine.objectorSet.add(nhsNumber);
    for (const alert of state.alerts) engine.alertsById.set(alert.alertId, alert);
    engine.latency.push(...state.latency);
    for (const [supplier, count] of state.sharesFired) engine.sharesFired.set(supplier, count);
    return engine;
  }

  alerts(): Alert[] {
    return [...this.alertsById.values()];
  }

  latencySamples(): readonly Millis[] {
    return this.latency;
  }

  /** Open episodes with no alert yet: their rule's time is after the time reached. */
  pending(): PendingEpisode[] {
    const result: PendingEpisode[] = [];
    for (const key of this.keys) {
      const episode = key.episode;
      if (!episode || episode.alert) continue;
      const dueAt = this.nextDue(episode);
      if (dueAt === null) continue;
      const rule = firstRuleOf(episode.kind, episode.manifestCheck !== null && episode.manifestCheck <= episode.start + this.options.slaMs);
      result.push({
        alertId: this.alertIdOf(episode), rule, severity: SEVERITY[rule],
        upstreamEventId: episode.cause === 'UPSTREAM' ? episode.origin.id : null,
        receiptId: episode.cause === 'DOWNSTREAM' ? episode.origin.id : null,
        disseminationId: null,
        patientRef: this.options.identity.patientRefFor(episode.nhsNumber),
        practiceOds: episode.origin.practiceOds, supplier: episode.origin.supplier,
        optOutType: episode.type, episodeStart: episode.start, dueAt,
      });
    }
    return result;
  }

  private enqueue(item: Queued): 'on-time' | 'late' {
    if (this.options.inOrder && item.time <= this.reached) throw new Error('an engine fed in order was offered a record stamped at or before the time it has reached');
    this.queue.push(item);
    return item.time <= this.reached ? 'late' : 'on-time';
  }

  private keyState(nhsNumber: string, type: OptOutType): KeyState {
    const byPatient = this.keysByType[type];
    let key = byPatient.get(nhsNumber);
    if (!key) {
      key = { nhsNumber, type, upstream: newSideState(), downstream: newSideState(), episode: null };
      byPatient.set(nhsNumber, key);
      this.keys.add(key);
    }
    return key;
  }

  private applyChange(change: Change, effects: EngineEffect[] | null): void {
    const key = this.keyState(change.nhsNumber, change.type);
    const side = change.side === 'UPSTREAM' ? key.upstream : key.downstream;
    // A late record older than the side's latest does not change what the side holds now.
    if (!isAfterLatest(side, change.time, change.origin.id)) return;
    side.latestTime = change.time;
    side.latestId = change.origin.id;
    const active = change.action === 'DISSENT';
    if (active === side.active) return;
    side.active = active;
    if (active) {
      side.activeSince = change.time;
      side.activeOrigin = change.origin;
    }
    if (key.episode) this.closeEpisode(key, change, effects);
    else this.openEpisode(key, change, active, effects);
  }

  private openEpisode(key: KeyState, change: Change, causeNowActive: boolean, effects: EngineEffect[] | null): void {
    const kind = episodeKindOf(change.side, causeNowActive);
    const episode: Episode = {
      nhsNumber: key.nhsNumber, type: key.type, kind, start: change.time, cause: change.side, origin: change.origin,
      alertId: null, manifestCheck: null, alert: null, open: true, timerVersion: 0,
    };
    key.episode = episode;
    if (change.side === 'UPSTREAM') {
      const covering = this.manifests.earliestCovering(change.origin.practiceOds, episode.start);
      if (covering) episode.manifestCheck = covering.receivedAt + this.options.graceMs;
      else this.waitFor(episode);
    }
    effects?.push({ type: 'episode-opened', kind, practiceOds: change.origin.practiceOds, supplier: change.origin.supplier, at: change.time });
    this.schedule(episode);
  }

  private closeEpisode(key: KeyState, change: Change, effects: EngineEffect[] | null): void {
    const episode = key.episode!;
    key.episode = null;
    episode.open = false;
    this.waitingForManifest.get(episode.origin.practiceOds)?.delete(episode);
    if (episode.alert) this.record(resolve(episode.alert, change.time, change.side), effects, episode);
    const latencyMs = episode.cause === 'UPSTREAM' && change.side === 'DOWNSTREAM' ? change.time - episode.start : null;
    if (latencyMs !== null && !this.options.bounded) this.latency.push(latencyMs);
    effects?.push({ type: 'episode-closed', kind: episode.kind, practiceOds: episode.origin.practiceOds, supplier: episode.origin.supplier, at: change.time, by: change.side, latencyMs });
  }

  /** The episode's alert id, named from its cause and origin the first time it is asked for. */
  private alertIdOf(episode: Episode): string {
    return episode.alertId ??= this.options.identity.alertIdFor(`episode|${episode.cause === 'UPSTREAM' ? 'gp' : 'nds'}|${episode.origin.id}`);
  }

  private waitFor(episode: Episode): void {
    let waiting = this.waitingForManifest.get(episode.origin.practiceOds);
    if (!waiting) this.waitingForManifest.set(episode.origin.practiceOds, (waiting = new Set()));
    waiting.add(episode);
  }

  private applyManifest(manifest: NdsExtractManifest, _effects: EngineEffect[] | null): void {
    this.manifests.add(manifest.practiceOds, manifest);
    this.manifestsSinceForget++;
    const waiting = this.waitingForManifest.get(manifest.practiceOds);
    if (!waiting) return;
    for (const episode of waiting) {
      if (episode.start > manifest.coversUpTo) continue;
      waiting.delete(episode);
      episode.manifestCheck = manifest.receivedAt + this.options.graceMs;
      this.schedule(episode);
    }
  }

  /** When the episode's next rule comes due, or null when nothing more can fire. */
  private nextDue(episode: Episode): Millis | null {
    const { slaMs, graceMs } = this.options;
    const check = episode.manifestCheck;
    if (episode.alert) return episode.alert.rule === 'OBJECTION_OVERDUE' ? check : null;
    switch (episode.kind) {
      case 'OBJECTION':
      case 'WITHDRAWAL':
        return check === null ? episode.start + slaMs : Math.min(check, episode.start + slaMs);
      case 'UNKNOWN_DOWNSTREAM':
      case 'REVOKED_DOWNSTREAM':
        return episode.start + graceMs;
    }
  }

  private schedule(episode: Episode): void {
    const due = this.nextDue(episode);
    episode.timerVersion++;
    if (due !== null) this.timers.push({ time: due, seq: this.timerSeq++, episode, version: episode.timerVersion });
  }

  private fireTimer(timer: Timer, effects: EngineEffect[] | null): void {
    const episode = timer.episode;
    if (!episode.open || timer.version !== episode.timerVersion) return;
    const at = timer.time;
    const checkDue = episode.manifestCheck !== null && episode.manifestCheck <= at;
    if (episode.alert) {
      if (episode.alert.rule === 'OBJECTION_OVERDUE' && checkDue) this.record(escalate(episode.alert, at), effects, episode);
    } else {
      const rule = firstRuleOf(episode.kind, checkDue);
      this.record(fire({
        alertId: this.alertIdOf(episode), rule,
        upstreamEventId: episode.cause === 'UPSTREAM' ? episode.origin.id : null,
        receiptId: episode.cause === 'DOWNSTREAM' ? episode.origin.id : null,
        disseminationId: null,
        patientRef: this.options.identity.patientRefFor(episode.nhsNumber),
        practiceOds: episode.origin.practiceOds, supplier: episode.origin.supplier, optOutType: episode.type,
        episodeStart: episode.start, firedAt: at, detectionDelayMs: at - episode.start,
        downstreamHeldAtShare: null, recipient: null, purpose: null,
      }), effects, episode);
    }
    this.schedule(episode);
  }

  private record(change: AlertChange, effects: EngineEffect[] | null, episode?: Episode): void {
    const alert = change.alert;
    if (episode) episode.alert = alert;
    if (!episode) this.sharesFired.set(alert.supplier, (this.sharesFired.get(alert.supplier) ?? 0) + 1);
    // A bounded engine keeps only the alerts its open episodes can still change.
    if (!this.options.bounded) this.alertsById.set(alert.alertId, alert);
    else if (episode && alert.state === 'FIRING') this.alertsById.set(alert.alertId, alert);
    else this.alertsById.delete(alert.alertId);
    effects?.push({ type: 'alert', change });
  }

  /**
   * SHARED_DESPITE_OBJECTION: a release for a purpose other than direct care at s, where for some type the
   * upstream ACTIVE stretch containing s began at or before s - sla. One alert per release; the type whose
   * stretch began first (TYPE_1 on a tie).
   */
  private judgeShare(share: NdsDissemination, effects: EngineEffect[] | null): void {
    const s = share.sharedAt;
    let chosen: KeyState | null = null;
    for (const type of ['TYPE_1', 'TYPE_2'] as const) {
      const key = this.keysByType[type].get(share.nhsNumber);
      if (!key || !key.upstream.active || key.upstream.activeSince > s - this.options.slaMs) continue;
      if (!chosen || key.upstream.activeSince < chosen.upstream.activeSince) chosen = key;
    }
    if (!chosen) return;
    const origin = chosen.upstream.activeOrigin!;
    this.record(fire({
      alertId: this.options.identity.alertIdFor(`share|${share.disseminationId}`), rule: 'SHARED_DESPITE_OBJECTION',
      upstreamEventId: null, receiptId: null, disseminationId: share.disseminationId,
      patientRef: this.options.identity.patientRefFor(share.nhsNumber),
      practiceOds: origin.practiceOds, supplier: origin.supplier, optOutType: chosen.type,
      episodeStart: null, firedAt: s, detectionDelayMs: null,
      downstreamHeldAtShare: chosen.downstream.active, recipient: share.recipient, purpose: share.purpose,
    }), effects);
  }
}
