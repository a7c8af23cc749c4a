// The engine's state as a compact, versioned value that JSON carries exactly: arrays in a fixed order instead of
// objects with field names, no -Infinity (null instead), and every episode written once, inside its key, then
// referred to by the key's position. An adapter turns it into bytes (and compresses it); nothing here does I/O.
//
// Restoring gives an engine that, fed the same records and advanced to the same times, makes exactly the same
// effects as the engine the snapshot was taken from (engine-snapshot.property.test.ts).
import type { Alert } from './alert.js';
import { PHASE, type EngineState, type Queued } from './engine-state.js';
import type { Episode, KeyState, Origin, SideState } from './episode.js';
import type { CoveringManifest } from './manifest-coverage.js';
import { Reconciler, type ReconcilerOptions } from './reconciler.js';
import type { Millis, NdsDissemination, NdsExtractManifest, OptOutAction, OptOutType, Purpose } from './records.js';
import type { EpisodeKind, Side } from './rules.js';

export const ENGINE_SNAPSHOT_VERSION = 1;

type Time = number | null;
type OriginV = [id: string, practiceOds: string, supplier: string];
type SideV = [active: 0 | 1, latestTime: Time, latestId: string, activeSince: Time, activeOrigin: OriginV | null];
type AlertV = unknown[];
type EpisodeV = [kind: EpisodeKind, start: Millis, cause: Side, origin: OriginV, alertId: string, manifestCheck: Time, alert: AlertV | null, timerVersion: number];
type KeyV = [nhsNumber: string, type: OptOutType, upstream: SideV, downstream: SideV, episode: EpisodeV | null];
type QueuedV =
  | [phase: 0 | 1, time: Millis, nhsNumber: string, type: OptOutType, action: OptOutAction, origin: OriginV]
  | [phase: 2, extractId: string, supplier: string, practiceOds: string, coversUpTo: Millis, receivedAt: Millis, recordCount: number]
  | [phase: 3, disseminationId: string, nhsNumber: string, recipient: string, purpose: Purpose, sharedAt: Millis];

/** Version 1 of the engine's snapshot. */
export interface EngineSnapshot {
  readonly v: typeof ENGINE_SNAPSHOT_VERSION;
  readonly reached: Time;
  readonly timerSeq: number;
  readonly keys: KeyV[];
  readonly queued: QueuedV[];
  /** [time, seq, position of the episode's key in keys] */
  readonly timers: [Millis, number, number][];
  readonly waiting: [string, number[]][];
  /** By practice: [extractId, coversUpTo, receivedAt] in coversUpTo order. */
  readonly manifests: [string, [string, Millis, Millis][]][];
  readonly objectors: string[];
  readonly alerts: AlertV[];
  readonly latency: Millis[];
  readonly sharesFired: [string, number][];
}

export class UnreadableSnapshot extends Error {
  constructor(detail: string) {
    super(`engine snapshot not readable: ${detail}`);
    this.name = 'UnreadableSnapshot';
  }
}

const ALERT_FIELDS = [
  'alertId', 'rule', 'severity', 'state', 'upstreamEventId', 'receiptId', 'disseminationId', 'patientRef', 'practiceOds',
  'supplier', 'optOutType', 'episodeStart', 'firedAt', 'escalatedAt', 'resolvedAt', 'resolvedBy', 'detectionDelayMs',
  'downstreamHeldAtShare', 'recipient', 'purpose',
] as const satisfies readonly (keyof Alert)[];

const timeOut = (t: Millis): Time => (Number.isFinite(t) ? t : null);
const timeIn = (t: Time): Millis => (t === null ? -Infinity : t);
const originOut = (o: Origin): OriginV => [o.id, o.practiceOds, o.supplier];
const originIn = (o: OriginV): Origin => ({ id: o[0], practiceOds: o[1], supplier: o[2] });
const sideOut = (s: SideState): SideV => [s.active ? 1 : 0, timeOut(s.latestTime), s.latestId, timeOut(s.activeSince), s.activeOrigin && originOut(s.activeOrigin)];
const sideIn = (s: SideV): SideState => ({ active: s[0] === 1, latestTime: timeIn(s[1]), latestId: s[2], activeSince: timeIn(s[3]), activeOrigin: s[4] && originIn(s[4]) });
const alertOut = (a: Alert): AlertV => ALERT_FIELDS.map((f) => a[f]);
function alertIn(v: AlertV): Alert {
  const alert: Record<string, unknown> = {};
  ALERT_FIELDS.forEach((f, i) => { alert[f] = v[i]; });
  return alert as unknown as Alert;
}

function queuedOut(q: Queued): QueuedV {
  switch (q.phase) {
    case PHASE.UPSTREAM:
    case PHASE.DOWNSTREAM: {
      const c = q.change;
      return [q.phase, c.time, c.nhsNumber, c.type, c.action, originOut(c.origin)];
    }
    case PHASE.MANIFEST: {
      const m = q.manifest;
      return [q.phase, m.extractId, m.supplier, m.practiceOds, m.coversUpTo, m.receivedAt, m.recordCount];
    }
    case PHASE.SHARE: {
      const s = q.share;
      return [q.phase, s.disseminationId, s.nhsNumber, s.recipient, s.purpose, s.sharedAt];
    }
  }
}

function queuedIn(v: QueuedV): Queued {
  switch (v[0]) {
    case PHASE.UPSTREAM:
    case PHASE.DOWNSTREAM: {
      const origin = originIn(v[5]);
      const side: Side = v[0] === PHASE.UPSTREAM ? 'UPSTREAM' : 'DOWNSTREAM';
      return { time: v[1], phase: v[0], id: origin.id, change: { side, time: v[1], nhsNumber: v[2], type: v[3], action: v[4], origin } };
    }
    case PHASE.MANIFEST: {
      const manifest: NdsExtractManifest = { extractId: v[1], supplier: v[2], practiceOds: v[3], coversUpTo: v[4], receivedAt: v[5], recordCount: v[6] };
      return { time: manifest.receivedAt, phase: 2, id: manifest.extractId, manifest };
    }
    case PHASE.SHARE: {
      const share: NdsDissemination = { disseminationId: v[1], nhsNumber: v[2], recipient: v[3], purpose: v[4], sharedAt: v[5] };
      return { time: share.sharedAt, phase: 3, id: share.disseminationId, share };
    }
  }
}

const queueOrder = (a: Queued, b: Queued): number => a.time - b.time || a.phase - b.phase || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const byPractice = (a: readonly [string, ...unknown[]], b: readonly [string, ...unknown[]]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

// exportState names every open episode; an unnamed one would be a fault of the engine, not of its input.
function namedOf(episode: Episode): string {
  if (episode.alertId === null) throw new Error('engine snapshot: an open episode with no alert id');
  return episode.alertId;
}

export function snapshotOf(engine: Reconciler): EngineSnapshot {
  const parts = partsOf(engine);
  // The keys stay where they are among the members (a spread keeps a member's place when it is replaced).
  return { ...parts, keys: parts.keys.map(keyOut) };
}

/**
 * The snapshot with its keys as the engine holds them (written out by snapshotOf or writeSnapshot); with `queued`
 * false, its queue left out (an empty list written in its place).
 */
function partsOf(engine: Reconciler, queued = true): Omit<EngineSnapshot, 'keys'> & { readonly keys: readonly KeyState[] } {
  const state = engine.exportState();
  const position = new Map<Episode, number>();
  state.keys.forEach((key, i) => {
    if (key.episode) position.set(key.episode, i);
  });
  const at = (episode: Episode): number => {
    const i = position.get(episode);
    if (i === undefined) throw new Error('engine snapshot: an open episode that no key holds');
    return i;
  };
  return {
    v: ENGINE_SNAPSHOT_VERSION,
    reached: timeOut(state.reached),
    timerSeq: state.timerSeq,
    keys: state.keys,
    // In the order they will be taken, so that equal states give equal snapshots.
    queued: queued ? [...state.queued].sort(queueOrder).map(queuedOut) : [],
    timers: [...state.timers].sort((a, b) => a.time - b.time || a.seq - b.seq).map((t) => [t.time, t.seq, at(t.episode)]),
    // By practice, in practice order: the order of practices does not change what the engine does.
    waiting: [...state.waiting].sort(byPractice).map(([ods, episodes]) => [ods, episodes.map(at)]),
    manifests: [...state.manifests].sort(byPractice).map(([ods, list]) => [ods, list.map((m: CoveringManifest): [string, Millis, Millis] => [m.extractId, m.coversUpTo, m.receivedAt])]),
    objectors: [...state.objectors],
    alerts: state.alerts.map(alertOut),
    latency: [...state.latency],
    sharesFired: state.sharesFired.map(([supplier, count]) => [supplier, count]),
  };
}

const episodeOut = (e: Episode): EpisodeV => [e.kind, e.start, e.cause, originOut(e.origin), namedOf(e), e.manifestCheck, e.alert && alertOut(e.alert), e.timerVersion];
const keyOut = (key: KeyState): KeyV => [key.nhsNumber, key.type, sideOut(key.upstream), sideOut(key.downstream), key.episode && episodeOut(key.episode)];

/** Where a snapshot is written item by item (compact-value.ts writes bytes so): what SnapshotSource reads back. */
export interface SnapshotSink {
  /** An array of this many items, written next. */
  array(length: number): void;
  /** An object of this many members, each written next as its name, then its value. */
  object(members: number): void;
  string(value: string): void;
  number(value: number): void;
  null(): void;
  /** A value, whole. */
  value(value: unknown): void;
}

/**
 * Writes snapshotOf(engine) item by item: the same items in the same order, but no array is built for a patient
 * key on the way. Writing a snapshot holds the decider's event loop, and the time it holds it spaces snapshots out.
 */
export function writeSnapshot(engine: Reconciler, sink: SnapshotSink): void {
  const steps = writingSnapshot(engine, sink);
  while (!steps.next().done);
}

/** Items of a long list (manifests, alerts, latency samples) written between two pauses. */
const ITEMS_PER_STEP = 20_000;

/**
 * writeSnapshot in steps: it pauses (yields) after every KEYS_PER_STEP patient keys and every ITEMS_PER_STEP items of
 * another list, so that a caller that must not hold its thread for the whole write (the decider's event loop, which
 * ingest and Kafka heartbeats share) can let other work run between steps. The engine must not change until it ends.
 * With `queued` false, the records offered and not yet applied are left out (written as none): a caller that can
 * offer them again to the restored engine (the live decider reads them back from its store) need not write them.
 */
export function* writingSnapshot(engine: Reconciler, sink: SnapshotSink, queued = true): Generator<void, void> {
  const members = Object.entries(partsOf(engine, queued));
  sink.object(members.length);
  for (const [name, value] of members) {
    sink.string(name);
    if (name === 'keys') yield* writeKeys(value as readonly KeyState[], sink);
    else if (name === 'manifests') yield* writeManifests(value as EngineSnapshot['manifests'], sink);
    else if (Array.isArray(value)) yield* writeItems(value, sink);
    else sink.value(value);
  }
}

/** sink.value(items), a step at a time. */
function* writeItems(items: readonly unknown[], sink: SnapshotSink): Generator<void, void> {
  sink.array(items.length);
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % ITEMS_PER_STEP === 0) yield;
    sink.value(items[i]);
  }
}

/** sink.value(practices), a step at a time: a practice's manifests are counted one by one. */
function* writeManifests(practices: EngineSnapshot['manifests'], sink: SnapshotSink): Generator<void, void> {
  sink.array(practices.length);
  let written = 0;
  for (const [ods, manifests] of practices) {
    sink.array(2);
    sink.string(ods);
    sink.array(manifests.length);
    for (const manifest of manifests) {
      if (++written % ITEMS_PER_STEP === 0) yield;
      sink.value(manifest);
    }
  }
}

function* writeKeys(keys: readonly KeyState[], sink: SnapshotSink): Generator<void, void> {
  sink.array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    if (i > 0 && i % KEYS_PER_STEP === 0) yield;
    const key = keys[i]!;
    sink.array(5);
    sink.string(key.nhsNumber);
    sink.string(key.type);
    writeSide(key.upstream, sink);
    writeSide(key.downstream, sink);
    if (key.episode) sink.value(episodeOut(key.episode));
    else sink.null();
  }
}

function writeSide(side: SideState, sink: SnapshotSink): void {
  sink.array(5);
  sink.number(side.active ? 1 : 0);
  writeTime(side.latestTime, sink);
  sink.string(side.latestId);
  writeTime(side.activeSince, sink);
  const origin = side.activeOrigin;
  if (origin === null) return sink.null();
  sink.array(3);
  sink.string(origin.id);
  sink.string(origin.practiceOds);
  sink.string(origin.supplier);
}

function writeTime(time: Millis, sink: SnapshotSink): void {
  if (Number.isFinite(time)) sink.number(time);
  else sink.null();
}

/**
 * A snapshot value read in the order it was written, one item at a time (compact-value.ts reads its bytes so): a
 * restore from it builds each patient key straight from its items, with no array held for the key on the way. What
 * is not the value expected is refused, with a reason.
 */
export interface SnapshotSource {
  /** The next value, which must be an array: how many items follow. */
  array(): number;
  /** The next value, which must be an object: how many members (each a name, then its value) follow. */
  object(): number;
  /** The next value, which must be a string. */
  string(): string;
  /** The next value, which must be a number. */
  number(): number;
  /** Whether the next value is null; taken if it is. */
  null(): boolean;
  /** The next value, whole. */
  value(): unknown;
}

/** The engine as a snapshot of this version holds it: from its value (as JSON carries it). */
export function restoreEngine(snapshot: unknown, options: ReconcilerOptions): Reconciler {
  const s = snapshot as EngineSnapshot | null;
  if (s === null || typeof s !== 'object' || !('v' in s)) throw new UnreadableSnapshot('no version');
  checkVersion(s.v);
  return restoreWith(s, s.keys.map(keyIn), options);
}

/**
 * The engine from a snapshot read item by item. Its patient keys, the part that grows with the state, become the
 * engine's own objects as they are read; the rest is read whole, then restored as restoreEngine does.
 */
export function restoreEngineFrom(source: SnapshotSource, options: ReconcilerOptions): Reconciler {
  const steps = restoringEngineFrom(source, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Patient keys a restore reads, or a paced write writes, between two pauses. */
const KEYS_PER_STEP = 5_000;

/**
 * restoreEngineFrom in steps: it pauses (yields) after every KEYS_PER_STEP patient keys, so that a caller that
 * must not hold its thread for the whole restore (a standby's event loop) can let other work run between steps.
 */
export function* restoringEngineFrom(source: SnapshotSource, options: ReconcilerOptions): Generator<void, Reconciler> {
  const members = source.object();
  const rest = new Map<string, unknown>();
  let keys: KeyState[] | null = null;
  for (let i = 0; i < members; i++) {
    const name = source.string();
    if (name === 'keys') {
      // The writer puts the version first: keys are read in its shape only once it is known.
      if (!rest.has('v')) throw new UnreadableSnapshot('keys before its version');
      keys = yield* keysFrom(source);
    } else {
      rest.set(name, source.value());
      if (name === 'v') checkVersion(rest.get('v'));
    }
  }
  if (!rest.has('v')) throw new UnreadableSnapshot('no version');
  if (keys === null) throw new UnreadableSnapshot('no keys');
  return restoreWith(Object.fromEntries(rest) as unknown as EngineSnapshot, keys, options);
}

function checkVersion(v: unknown): void {
  if (v !== ENGINE_SNAPSHOT_VERSION) throw new UnreadableSnapshot(`version ${String(v)}, this engine reads version ${ENGINE_SNAPSHOT_VERSION}`);
}

function keyIn([nhsNumber, type, up, down, e]: KeyV): KeyState {
  return { nhsNumber, type, upstream: sideIn(up), downstream: sideIn(down), episode: e && episodeIn(nhsNumber, type, e) };
}

function episodeIn(nhsNumber: string, type: OptOutType, e: EpisodeV): Episode {
  return {
    nhsNumber, type, kind: e[0], start: e[1], cause: e[2], origin: originIn(e[3]), alertId: e[4],
    manifestCheck: e[5], alert: e[6] && alertIn(e[6]), open: true, timerVersion: e[7],
  };
}

/** The items of a KeyV, and of its SideV and OriginV, as the engine's objects (built in the same shape as keyIn's). */
function* keysFrom(source: SnapshotSource): Generator<void, KeyState[]> {
  const count = source.array();
  const keys = new Array<KeyState>(count);
  for (let i = 0; i < count; i++) {
    if (i > 0 && i % KEYS_PER_STEP === 0) yield;
    items(source, 5, 'a key');
    const nhsNumber = source.string();
    const type = source.string() as OptOutType;
    const upstream = sideFrom(source);
    const downstream = sideFrom(source);
    // Few keys have an open episode: it is read whole.
    const episode = source.null() ? null : episodeIn(nhsNumber, type, source.value() as EpisodeV);
    keys[i] = { nhsNumber, type, upstream, downstream, episode };
  }
  return keys;
}

function sideFrom(source: SnapshotSource): SideState {
  items(source, 5, 'a side');
  const active = source.number() === 1;
  const latestTime = timeFrom(source);
  const latestId = source.string();
  const activeSince = timeFrom(source);
  let activeOrigin: Origin | null = null;
  if (!source.null()) {
    items(source, 3, 'an origin');
    activeOrigin = { id: source.string(), practiceOds: source.string(), supplier: source.string() };
  }
  return { active, latestTime, latestId, activeSince, activeOrigin };
}

const timeFrom = (source: SnapshotSource): Millis => (source.null() ? -Infinity : source.number());

function items(source: SnapshotSource, expected: number, what: string): void {
  const count = source.array();
  if (count !== expected) throw new UnreadableSnapshot(`${what} of ${count} items, not ${expected}`);
}

function restoreWith(s: EngineSnapshot, keys: KeyState[], options: ReconcilerOptions): Reconciler {
  const episodeAt = (i: number): Episode => {
    const episode = keys[i]?.episode;
    if (!episode) throw new UnreadableSnapshot(`no open episode at key ${i}`);
    return episode;
  };
  const state: EngineState = {
    reached: timeIn(s.reached),
    timerSeq: s.timerSeq,
    keys,
    queued: s.queued.map(queuedIn),
    timers: s.timers.map(([time, seq, i]) => ({ time, seq, episode: episodeAt(i) })),
    waiting: s.waiting.map(([ods, list]) => [ods, list.map(episodeAt)] as const),
    manifests: s.manifests.map(([ods, list]) => [ods, list.map(([extractId, coversUpTo, receivedAt]) => ({ extractId, coversUpTo, receivedAt }))] as const),
    objectors: s.objectors,
    alerts: s.alerts.map(alertIn),
    latency: s.latency,
    sharesFired: s.sharesFired,
  };
  return Reconciler.fromState(state, options);
}
