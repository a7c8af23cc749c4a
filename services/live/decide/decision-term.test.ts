// A decider term driven over the in-memory state store, as Kafka Streams' TopologyTestDriver drives a processor:
// a small scenario's messages go through ingest's intake and the store's ingest call, partly before the term starts
// (read back from the store) and partly while it runs (taken from memory), with a change of leader in between that
// rebuilds from the snapshot and cuts. The alerts, dead letters and duplicates must be the replay's for the same
// records. Clocks are counters moved by hand; nothing waits on time.
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { streamValueDecoder, streamValueEncoder } from '../../codec/stream-value-codec.js';
import type { Alert } from '../../core/alert.js';
import { eventTimeOf, offerRecord } from '../../core/offer-record.js';
import { Reconciler } from '../../core/reconciler.js';
import type { DecodedFields, RecordOf, StreamName } from '../../core/records.js';
import { ReplaySession } from '../../core/replay-session.js';
import { catalogue, CODES, gp, HOUR, manifest, PATIENT_A, PATIENT_B, PATIENT_C, receipt, share, T0 } from '../../core/testing/builders.js';
import { keyedIdentity } from '../../identity/keyed-identity.js';
import { storedPseudonymIdentity } from '../../identity/stored-pseudonym-identity.js';
import { MessageIntake } from '../ingest/message-intake.js';
import { createVerifierMetrics } from '../ops/metrics.js';
import type { DeciderSession, IngestOutcome, SnapshotCover, StoredRecord, StoredSnapshot } from '../store/state-store.js';
import { MemoryStateStore } from '../store/testing/memory-state-store.js';
import { keyOf, partitionKey, topicPartitionOf, type PartitionKey } from '../store/topic-partition.js';
import { DECIDER_SNAPSHOT_FORMAT, decodeDeciderSnapshot, encodeDeciderState } from './decider-snapshot.js';
import { DecisionMetrics } from './decision-metrics.js';
import { DEFAULT_DECIDER_TIMINGS, DecisionTerm, engineOptionsOf, type DeciderDeps, type DeciderSettings } from './decision-term.js';
import { Decider } from './decider.js';
import { WarmStandby } from './warm-standby.js';
import { SeededRandom } from '../../simulator/seeded-random.js';
import { TestNhsNumbers } from '../../simulator/test-nhs-numbers.js';

/**
 * The store, with `method` of each session it elects called through `wrap` (given the real call and its arguments);
 * `elected` is told of each session given.
 */
function withSessionMethod(store: MemoryStateStore, method: keyof DeciderSession, wrap: (call: () => Promise<unknown>) => Promise<unknown>, elected: () => void = () => {}): MemoryStateStore {
  return new Proxy(store, {
    get(target, name, receiver) {
      if (name !== 'tryLead') return Reflect.get(target, name, receiver) as unknown;
      return async (who: string) => {
        const session = await target.tryLead(who);
        if (session === null) return null;
        elected();
        return new Proxy(session, {
          get(s, n, r) {
            const real = Reflect.get(s, n, r) as unknown;
            if (n !== method) return real;
            return (...args: unknown[]) => wrap(() => (real as (...a: unknown[]) => Promise<unknown>).apply(s, args));
          },
        });
      };
    },
  });
}

/**
 * The store, each session it elects with `method` failing whenever `failure` gives an error (null: the call goes
 * through), as a database refusing that statement would; `elected` is told of each session given.
 */
function withFailingSessions(store: MemoryStateStore, method: keyof DeciderSession, failure: () => Error | null, elected: () => void = () => {}): MemoryStateStore {
  return withSessionMethod(store, method, async (call) => {
    const error = failure();
    if (error !== null) throw error;
    return call();
  }, elected);
}

const TOPIC: { readonly [S in StreamName]: string } = { gpEvents: 'gp', ndsReceived: 'rc', ndsManifests: 'mf', ndsDisseminations: 'ds' };
const streamOfTopic = new Map(Object.entries(TOPIC).map(([stream, topic]) => [topic, stream as StreamName]));
const key = Buffer.from('a3'.repeat(32), 'hex');
const WALL_START = Date.UTC(2026, 0, 1);

type Message = { [S in StreamName]: { readonly stream: S; readonly partition: number; readonly record: RecordOf[S] } }[StreamName];
const m = <S extends StreamName>(stream: S, partition: number, record: RecordOf[S]): Message => ({ stream, partition, record }) as Message;

// Each partition's messages in offset order, a little out of event-time order (less than the allowed lateness).
const first: Message[] = [
  m('gpEvents', 0, gp('e1', T0, CODES.t1Dissent, PATIENT_A)),
  m('gpEvents', 0, gp('e2', T0 + 3 * HOUR, CODES.t1Dissent, PATIENT_B)),
  m('gpEvents', 0, gp('e3', T0 + 2 * HOUR, CODES.t2Dissent, PATIENT_C)),
  m('gpEvents', 0, gp('e2', T0 + 3 * HOUR, CODES.t1Dissent, PATIENT_B)),
  m('gpEvents', 1, gp('e5', T0 + 5 * HOUR, CODES.t2Dissent, PATIENT_A)),
  m('gpEvents', 1, { ...gp('e6', T0 + 6 * HOUR, CODES.t1Dissent), nhsNumber: '9990000017' }),
  m('ndsReceived', 0, receipt('r1', T0 + 10 * HOUR, CODES.t1Dissent, PATIENT_A)),
  m('ndsManifests', 0, manifest('x1', T0 + 20 * HOUR, T0 + 24 * HOUR)),
];
const second: Message[] = [
  m('gpEvents', 0, gp('e1', T0, CODES.t1Withdrawn, PATIENT_A)),
  m('gpEvents', 0, gp('e4', T0 + 200 * HOUR, CODES.t1Withdrawn, PATIENT_B)),
  m('gpEvents', 1, gp('e7', T0 + 90 * HOUR, CODES.t1Withdrawn, PATIENT_A)),
  m('ndsReceived', 0, receipt('r2', T0 + 30 * HOUR, CODES.t1Dissent, PATIENT_C)),
  m('ndsReceived', 0, receipt('r1', T0 + 10 * HOUR, CODES.t1Dissent, PATIENT_A)),
  m('ndsReceived', 0, receipt('r3', T0 + 120 * HOUR, CODES.t1Withdrawn, PATIENT_A)),
  m('ndsManifests', 0, manifest('x2', T0 + 100 * HOUR, T0 + 101 * HOUR)),
  m('ndsDisseminations', 0, share('d1', T0 + 150 * HOUR, 'RESEARCH', PATIENT_B)),
  m('ndsDisseminations', 0, share('d2', T0 + 160 * HOUR, 'DIRECT_CARE', PATIENT_B)),
  m('ndsDisseminations', 0, share('d3', T0 + 140 * HOUR, 'PLANNING', PATIENT_C)),
];

const settings: DeciderSettings = {
  ...DEFAULT_DECIDER_TIMINGS,
  slaMs: 72 * HOUR, graceMs: HOUR, allowedLatenessMs: 30 * HOUR, idleTimeoutMs: 60_000, instanceName: 'test', horizonMs: 90 * 24 * HOUR,
  maxFutureMs: 24 * HOUR, roundBudget: 3, snapshotEveryRecords: 4, snapshotMaxIntervalMs: 300_000, deadLetterRetentionMs: 30 * 24 * HOUR, standbyWarm: true,
};

/** The replay's answers over the same records, in each partition's offset order. */
function replayed(messages: readonly Message[]) {
  const session = new ReplaySession({ slaMs: settings.slaMs, graceMs: settings.graceMs, asOf: null, identity: keyedIdentity(key), catalogue });
  for (const stream of ['gpEvents', 'ndsReceived', 'ndsManifests', 'ndsDisseminations'] as const) {
    const items = messages.filter((msg) => msg.stream === stream).sort((a, b) => a.partition - b.partition);
    session.feedBatch(stream, items.map((msg, i) => ({ position: i + 1, fields: msg.record as unknown as DecodedFields })));
  }
  return session.finish();
}

class Clocks {
  wall = WALL_START;
  monotonic = 0;
  pass(ms: number): void {
    this.wall += ms;
    this.monotonic += ms;
  }
}

function deps(store: MemoryStateStore, clocks: Clocks, registry = new Registry()): DeciderDeps {
  const metrics = createVerifierMetrics(registry, { version: 'test' }, { inputTopics: Object.values(TOPIC) });
  return {
    store, streamOfTopic, identity: storedPseudonymIdentity(), metrics, decisionMetrics: new DecisionMetrics(metrics, () => clocks.wall),
    // Every message is stored before the log's end is read: the log ends where ingest stands.
    topology: { endOffsets: async () => new Map((await store.ingestAccounts()).map((a): [PartitionKey, number] => [keyOf(a), a.nextOffset])) },
    encodeAlert: (change) => Buffer.from(JSON.stringify(change)),
    logger: pino({ level: 'silent' }), retry: { retrying: () => {}, recovered: () => {} },
    onAlertsCommitted: () => {}, onLeadership: () => {}, handOver: async () => {}, standDown: async () => {},
    monotonicNow: () => clocks.monotonic, wallNow: () => clocks.wall,
  };
}

/** Ingest's part: each partition's messages decoded, validated and pseudonymised, then stored in one call per partition. */
async function ingest(store: MemoryStateStore, messages: readonly Message[], onStored: (outcome: IngestOutcome, topic: string, partition: number) => void): Promise<void> {
  const pseudonymise = keyedIdentity(key).patientRefFor;
  const byPartition = new Map<PartitionKey, Message[]>();
  for (const msg of messages) {
    const k = partitionKey(TOPIC[msg.stream], msg.partition);
    byPartition.set(k, [...(byPartition.get(k) ?? []), msg]);
  }
  for (const list of byPartition.values()) {
    const { stream, partition } = list[0]!;
    const topic = TOPIC[stream];
    const intake = new MessageIntake(stream, streamValueDecoder(stream), catalogue, pseudonymise);
    const encode = streamValueEncoder(stream) as (record: RecordOf[StreamName]) => Buffer;
    const from = (await store.storedOffsets([{ topic, partition }])).get(partitionKey(topic, partition)) ?? 0;
    const items = list.map((msg, i) => intake.classify(from + i, encode(msg.record)));
    const outcome = await store.ingest({ topic, partition, stream, items, nextOffset: from + items.length, fetchedFrom: from, gapAccepted: false }, async () => {});
    if (outcome.kind !== 'stored') throw new Error(`refused: ${topic}/${partition}`);
    onStored(outcome, topic, partition);
  }
}

/** The store, its sessions' loadRecords answering records that call `took` as each is read. */
function withCountedRecords(store: MemoryStateStore, took: () => void): MemoryStateStore {
  return withSessionMethod(store, 'loadRecords', async (call) => new Proxy(await call() as StoredRecord[], {
    get(list, index, l) {
      if (typeof index === 'string' && /^\d+$/.test(index)) took();
      return Reflect.get(list, index, l) as unknown;
    },
  }));
}

async function rounds(term: DecisionTerm, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await term.round();
}

const byId = (a: Alert, b: Alert): number => (a.alertId < b.alertId ? -1 : 1);

describe('a decider term over the in-memory store', () => {
  it('gives the replay\'s alerts, dead letters and duplicates, with records from the store and from memory and a change of leader', async () => {
    const clocks = new Clocks();
    const store = new MemoryStateStore(() => clocks.wall);
    let duplicates = 0;
    const counted = (outcome: IngestOutcome) => { duplicates += outcome.duplicates; };
    await ingest(store, first, counted);

    const session = (await store.tryLead('a'))!;
    const term = new DecisionTerm(deps(store, clocks), settings, session);
    await term.rebuild();
    await term.refreshEnds();
    await rounds(term, 5);
    clocks.pass(1_000);
    await ingest(store, second, (outcome, topic, partition) => {
      counted(outcome);
      term.accept({ topic, partition, from: outcome.previousOffset, to: outcome.nextOffset, records: outcome.records });
    });
    await term.refreshEnds();
    await rounds(term, 3);
    await term.settle();
    await session.release();

    // Another leader: the engine rebuilt from the snapshot and the cuts after it, then the rest read from the store.
    // The snapshot leaves out the records still queued in the engine (dated within the allowed lateness of the
    // latest), naming where they are stored: the successor reads them back, though retention has run since.
    const next = (await store.tryLead('b'))!;
    const snapshot = (await next.loadCheckpoint()).snapshot!;
    const stored = await decodeDeciderSnapshot(snapshot.format, snapshot.state);
    expect([snapshot.format, stored.engine.queued]).toEqual([DECIDER_SNAPSHOT_FORMAT, []]);
    expect(Object.keys(stored.queuedFrom ?? {}).length).toBeGreaterThan(0);
    const registry = new Registry();
    const successor = new DecisionTerm(deps(store, clocks, registry), settings, next);
    await successor.rebuild();
    // The restored engine holds each patient once per opt-out type seen in a valid GP event or receipt (none is
    // settled long enough to be forgotten).
    const pseudonymise = keyedIdentity(key).patientRefFor;
    const patientTypes = new Set([...first, ...second].flatMap((msg) => {
      if (msg.stream !== 'gpEvents' && msg.stream !== 'ndsReceived') return [];
      const item = new MessageIntake(msg.stream, streamValueDecoder(msg.stream), catalogue, pseudonymise).classify(0, (streamValueEncoder(msg.stream) as (r: RecordOf[StreamName]) => Buffer)(msg.record));
      return item.kind === 'valid' && item.meaning !== null && 'nhsNumber' in item.record ? [`${item.record.nhsNumber} ${item.meaning.type}`] : [];
    }));
    expect(patientTypes.size).toBeGreaterThanOrEqual(4);
    expect((await registry.getSingleMetric('optout_verifier_engine_patient_keys')!.get()).values[0]?.value).toBe(patientTypes.size);
    clocks.pass(settings.idleTimeoutMs + 1);
    await successor.refreshEnds();
    await rounds(successor, 20);
    await successor.settle();

    const expected = replayed([...first, ...second]);
    expect(successor.streamTime).toBe(expected.asOf);
    expect(new Set(expected.alerts.map((a) => a.rule)).size).toBeGreaterThanOrEqual(2);
    expect(store.alerts().map((c) => c.alert).sort(byId)).toEqual([...expected.alerts].sort(byId));
    expect(store.deadLetters().map(({ reason, detail }) => ({ reason, detail })).sort((a, b) => a.reason.localeCompare(b.reason)))
      .toEqual(expected.deadLetters.map(({ reason, detail }) => ({ reason, detail })).sort((a, b) => a.reason.localeCompare(b.reason)));
    expect(duplicates).toBe(Object.values(expected.duplicates).reduce((a, b) => a + b, 0));
    expect(duplicates).toBeGreaterThan(0);
    const accounts = await store.ingestAccounts();
    expect(accounts.every((a) => a.unaccounted === 0)).toBe(true);
  });

  it('keeps the queue in its snapshots while its engine holds records of a snapshot that kept its own, until their time has come', async () => {
    const clocks = new Clocks();
    const store = new MemoryStateStore(() => clocks.wall);
    await ingest(store, first, () => {});
    // A snapshot as an earlier version stored it (format 2): the engine with every record offered and, at 24 hours
    // before the latest, the later ones still queued.
    const ends = new Map((await store.ingestAccounts()).map((a): [PartitionKey, number] => [keyOf(a), a.nextOffset]));
    const earlier = (await store.tryLead('earlier'))!;
    const engine = new Reconciler(engineOptionsOf(deps(store, clocks), settings));
    const latestEventTime: Record<string, number> = {};
    for (const record of await earlier.loadRecords([...ends].map(([k, to]) => ({ ...topicPartitionOf(k), stream: streamOfTopic.get(topicPartitionOf(k).topic)!, from: 0, to })))) {
      offerRecord(engine, record.stream, record.record, record.meaning);
      latestEventTime[keyOf(record)] = Math.max(latestEventTime[keyOf(record)] ?? -Infinity, eventTimeOf(record.stream, record.record));
    }
    const reached = Math.max(...Object.values(latestEventTime)) - 24 * HOUR;
    engine.advanceTo(reached);
    expect(engine.latestQueuedTime()).toBeGreaterThan(reached);
    const written = await encodeDeciderState({ engine, latestEventTime, futureTimes: {}, queuedFrom: null }, async () => {}, () => 0);
    expect(written.format).toBe(2);
    await earlier.commitRound({ streamTime: reached, offsets: ends, cut: null, alertChanges: [], decidedAt: clocks.wall, snapshot: { format: written.format, streamTime: reached, offsets: ends, state: written.state } });
    await earlier.release();

    const session = (await store.tryLead('a'))!;
    const term = new DecisionTerm(deps(store, clocks), settings, session);
    await term.rebuild();
    const stored = async () => {
      const snapshot = (await session.loadCheckpoint()).snapshot!;
      return { format: snapshot.format, queued: (await decodeDeciderSnapshot(snapshot.format, snapshot.state)).engine.queued.length > 0 };
    };
    // Nothing new to offer: the next snapshot still holds the restored queue, whose records' offsets nobody knows.
    clocks.pass(1_000);
    await ingest(store, [m('ndsManifests', 0, manifest('x9', T0 + 21 * HOUR, T0 + 21 * HOUR))], () => {});
    await term.refreshEnds();
    await rounds(term, 2);
    await term.snapshotNow();
    expect(await stored()).toEqual({ format: 2, queued: true });
    // Every partition idle: stream time moves to the latest record, the restored queue is applied, and the queue
    // is left out again.
    clocks.pass(settings.idleTimeoutMs + 1);
    await term.refreshEnds();
    await rounds(term, 3);
    await term.snapshotNow();
    expect(await stored()).toEqual({ format: DECIDER_SNAPSHOT_FORMAT, queued: false });
    await term.settle();
    await session.release();
  });

  it('takes a snapshot once a backlog is worked off, covering every record read', async () => {
    const clocks = new Clocks();
    const store = new MemoryStateStore(() => clocks.wall);
    await ingest(store, [...first, ...second], () => {});
    const session = (await store.tryLead('a'))!;
    const term = new DecisionTerm(deps(store, clocks), { ...settings, roundBudget: 2, snapshotEveryRecords: 1_000_000 }, session);
    await term.rebuild();
    await term.refreshEnds();
    await rounds(term, 20);
    await term.settle();
    const checkpoint = await session.loadCheckpoint();
    expect(checkpoint.snapshot?.offsets).toEqual(new Map((await store.ingestAccounts()).map((a): [PartitionKey, number] => [keyOf(a), a.nextOffset])));
    await session.release();
  });

  it('lets the event loop run while it replays the records stored after its snapshot, once it has held it for 50 ms', async () => {
    // Thousands of patients, each with a dissent: a snapshot of 6,000 patient keys, then as many records after it.
    const patients = new TestNhsNumbers(12_000, new SeededRandom(7));
    const events = (from: number, to: number, at: number) => Array.from({ length: to - from }, (_, i) =>
      m('gpEvents', i % 12, gp(`bulk-${from + i}`, at + i, CODES.t1Dissent, patients.of(from + i))));
    const clocks = new Clocks();
    const store = new MemoryStateStore(() => clocks.wall);
    const bulk: DeciderSettings = { ...settings, roundBudget: 100_000, snapshotEveryRecords: 1_000_000 };
    await ingest(store, events(0, 6_000, T0), () => {});
    const session = (await store.tryLead('a'))!;
    const term = new DecisionTerm(deps(store, clocks), bulk, session);
    await term.rebuild();
    await term.refreshEnds();
    // Every partition idle: stream time moves to the latest event, and each patient's dissent is applied.
    clocks.pass(settings.idleTimeoutMs + 1);
    await term.refreshEnds();
    await rounds(term, 3);
    await term.snapshotNow();
    // Decided by this term, after its snapshot: a successor replays them.
    await ingest(store, events(6_000, 12_000, T0 + HOUR), () => {});
    await term.refreshEnds();
    await rounds(term, 3);
    await session.release();

    // The stored records the successor reads are counted as it takes each one; at each turn of the event loop
    // during the rebuild, how many it took since the last turn is noted.
    // Each record read takes a millisecond on the term's clock.
    let taken = 0;
    const counted = withCountedRecords(store, () => {
      taken++;
      clocks.monotonic++;
    });
    const next = (await counted.tryLead('b'))!;
    const registry = new Registry();
    const successor = new DecisionTerm(deps(store, clocks, registry), bulk, next);
    const between: number[] = [];
    let counting = true;
    let before = 0;
    const turn = () => {
      if (!counting) return;
      between.push(taken - before);
      before = taken;
      setImmediate(turn);
    };
    setImmediate(turn);
    const rebuilt = await successor.rebuild();
    counting = false;
    between.push(taken - before);
    const patientKeys = (await registry.getSingleMetric('optout_verifier_engine_patient_keys')!.get()).values[0]?.value;
    expect([rebuilt.replayed, taken, patientKeys]).toEqual([6_000, 6_000, 6_000]);
    // It looks at the time every 1,000 records, and has held the loop for over 50 ms by then: never more than 1,000
    // records between two turns.
    expect(Math.max(...between)).toBe(1_000);
    await next.release();
  });

  it('counts retention passes that fail and that succeed, and decides on', async () => {
    const counted = async (failing: boolean) => {
      const clocks = new Clocks();
      const store = new MemoryStateStore(() => clocks.wall);
      await ingest(store, [...first, ...second], () => {});
      if (failing) store.retain = async () => { throw new Error('permission denied for table record_batches'); };
      const registry = new Registry();
      const session = (await store.tryLead('a'))!;
      const term = new DecisionTerm(deps(store, clocks, registry), { ...settings, roundBudget: 2, snapshotEveryRecords: 1_000_000 }, session);
      await term.rebuild();
      await term.refreshEnds();
      await rounds(term, 20);
      await term.settle();
      expect((await session.loadCheckpoint()).snapshot).not.toBeNull();
      const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value;
      const result = { failures: await value('optout_verifier_retention_failures_total'), passes: await value('optout_verifier_retention_passes_total') };
      await session.release();
      return result;
    };
    expect(await counted(true)).toEqual({ failures: 1, passes: 0 });
    expect(await counted(false)).toEqual({ failures: 0, passes: 1 });
  });

  it('cuts before a round with late records, and a new leader rebuilds from the cuts the engine an uninterrupted term has', async () => {
    // No snapshot until the end, and no lateness: a receipt read after stream time has passed its GP event's
    // deadline is applied late, once the alert has fired.
    const lateSettings: DeciderSettings = { ...settings, allowedLatenessMs: 0, roundBudget: 100, snapshotEveryRecords: 1_000_000 };
    const before: Message[] = [
      m('gpEvents', 0, gp('e1', T0, CODES.t1Dissent, PATIENT_A)), m('gpEvents', 0, gp('e2', T0 + 100 * HOUR, CODES.t1Dissent, PATIENT_B)),
      m('ndsReceived', 0, receipt('r2', T0 + 100 * HOUR, CODES.t1Dissent, PATIENT_B)),
    ];
    const late: Message[] = [m('ndsReceived', 0, receipt('r1', T0 + 10 * HOUR, CODES.t1Dissent, PATIENT_A))];
    const after: Message[] = [m('gpEvents', 0, gp('e3', T0 + 300 * HOUR, CODES.t1Withdrawn, PATIENT_A)), m('ndsReceived', 0, receipt('r3', T0 + 300 * HOUR, CODES.t1Withdrawn, PATIENT_A))];

    /** Runs the three parts, with or without a change of leader after the late one; answers the engine as a last snapshot holds it. */
    const run = async (changeLeader: boolean) => {
      const clocks = new Clocks();
      const store = new MemoryStateStore(() => clocks.wall);
      let session = (await store.tryLead('a'))!;
      let term = new DecisionTerm(deps(store, clocks), lateSettings, session);
      await term.rebuild();
      for (const part of [before, late, after]) {
        await ingest(store, part, () => {});
        await term.refreshEnds();
        await rounds(term, 2);
        if (changeLeader && part === late) {
          await session.release();
          session = (await store.tryLead('b'))!;
          expect((await session.loadCheckpoint()).cuts.length).toBeGreaterThan(0);
          term = new DecisionTerm(deps(store, clocks), lateSettings, session);
          await term.rebuild();
        }
      }
      await term.snapshotNow();
      const snapshot = (await session.loadCheckpoint()).snapshot!;
      return { engine: (await decodeDeciderSnapshot(snapshot.format, snapshot.state)).engine, alerts: store.alerts().map((c) => [c.alert.rule, c.alert.state]) };
    };
    const uninterrupted = await run(false);
    expect(uninterrupted.alerts).toContainEqual(['OBJECTION_OVERDUE', 'RESOLVED']);
    expect(await run(true)).toEqual(uninterrupted);
  });
});

describe('a warm standby', () => {
  const silent = pino({ level: 'silent' });
  const never = new AbortController().signal;

  // Snapshots only when told, or once a backlog is worked off.
  const rare: DeciderSettings = { ...settings, snapshotEveryRecords: 1_000_000 };

  /** A term that has decided the first messages (a snapshot covers them) and then two more (none covers them). */
  const decidedPastItsSnapshot = async (store: MemoryStateStore, clocks: Clocks) => {
    await ingest(store, first, () => {});
    const session = (await store.tryLead('a'))!;
    const term = new DecisionTerm(deps(store, clocks), rare, session);
    await term.rebuild();
    await term.refreshEnds();
    await rounds(term, 6);
    await ingest(store, second.slice(0, 2), () => {});
    await term.refreshEnds();
    await rounds(term, 1);
    return { session, term };
  };

  /**
   * Term A decides past its snapshot and stands down; a standby refreshes meanwhile (or not); term B takes over,
   * given what the standby holds, and decides the rest. With 'stale', A stores a newer snapshot after the standby's
   * refresh. Answers how B started, what it replayed, its engine as a last snapshot holds it, and the alerts.
   */
  const run = async (standby: 'none' | 'warm' | 'stale') => {
    const clocks = new Clocks();
    const store = new MemoryStateStore(() => clocks.wall);
    const warm = new WarmStandby(store, 'standby', engineOptionsOf(deps(store, clocks), settings), () => clocks.monotonic, silent);
    const a = await decidedPastItsSnapshot(store, clocks);
    if (standby !== 'none') await warm.refresh(never);
    if (standby === 'stale') await a.term.snapshotNow();
    await a.term.settle();
    await a.session.release();
    await ingest(store, second.slice(2), () => {});

    const b = (await store.tryLead('b'))!;
    const termB = new DecisionTerm(deps(store, clocks), settings, b);
    const rebuilt = await termB.rebuild(warm.take());
    clocks.pass(settings.idleTimeoutMs + 1);
    await termB.refreshEnds();
    await rounds(termB, 20);
    await termB.snapshotNow();
    await termB.settle();
    const snapshot = (await b.loadCheckpoint()).snapshot!;
    return {
      warm: rebuilt.warm, replayed: rebuilt.replayed,
      engine: (await decodeDeciderSnapshot(snapshot.format, snapshot.state)).engine, alerts: store.alerts().map((c) => c.alert).sort(byId),
    };
  };

  it('lets a takeover start from the snapshot it kept, to the engine and alerts a restore gives', async () => {
    const cold = await run('none');
    const warm = await run('warm');
    expect([cold.warm, warm.warm]).toEqual([false, true]);
    // Records A decided after its snapshot are replayed either way.
    expect(warm.replayed).toBeGreaterThan(0);
    expect(warm.replayed).toBe(cold.replayed);
    expect(warm.engine).toEqual(cold.engine);
    expect(warm.alerts).toEqual(cold.alerts);
    expect(warm.alerts).toEqual([...replayed([...first, ...second]).alerts].sort(byId));
  });

  it('is not used when a newer snapshot was stored after the one it kept: the takeover restores that one', async () => {
    const cold = await run('none');
    const stale = await run('stale');
    expect(stale.warm).toBe(false);
    expect(stale.replayed).toBe(0);
    expect(stale.engine).toEqual(cold.engine);
    expect(stale.alerts).toEqual(cold.alerts);
  });

  it('restores at most a tenth of its time, and keeps the engine it holds while the stored snapshot is that one', async () => {
    const clocks = new Clocks();
    const store = new MemoryStateStore(() => clocks.wall);
    const { session, term } = await decidedPastItsSnapshot(store, clocks);
    // Snapshots the standby read whole (not just their cover).
    let wholeReads = 0;
    const counting = Object.create(store, {
      reportStandby: { value: (name: string, held: SnapshotCover | null) => store.reportStandby(name, held) },
      latestSnapshot: { value: async (held: Parameters<MemoryStateStore['latestSnapshot']>[0]) => {
        const stored = await store.latestSnapshot(held);
        if (stored !== null && stored !== 'held') wholeReads++;
        return stored;
      } },
    }) as MemoryStateStore;
    // Every reading of the standby's clock moves it 10 ms: its restore takes 10 ms, so it waits 90 before the next.
    let now = 0;
    const holding: boolean[] = [];
    const standby = new WarmStandby(counting, 'standby', engineOptionsOf(deps(store, clocks), settings), () => (now += 10), silent, (warm) => holding.push(warm));
    const coverOfStored = async () => {
      const stored = await store.latestSnapshot(null);
      return stored === null || stored === 'held' ? null : { streamTime: stored.streamTime, offsets: stored.offsets };
    };
    await standby.refresh(never);
    const kept = await coverOfStored();
    now += 100;
    await standby.refresh(never);
    now += 100;
    await standby.refresh(never);
    expect([wholeReads, holding]).toEqual([1, [false, true, true, true]]);
    const first = standby.take()!;
    expect(first.cover).toEqual(kept);
    expect(standby.take()).toBeNull();

    // Taken, it holds nothing: the next look restores again, into a new engine.
    now += 100;
    await standby.refresh(never);
    expect(wholeReads).toBe(2);
    expect(standby.take()!.state.engine).not.toBe(first.state.engine);

    now += 100;
    await standby.refresh(never);
    expect(wholeReads).toBe(3);
    await term.snapshotNow();
    const newer = await coverOfStored();
    expect(newer).not.toEqual(kept);
    // Within 9 times the last restore's 10 ms: not looked at; then the newer one.
    await standby.refresh(never);
    expect(wholeReads).toBe(3);
    now += 100;
    await standby.refresh(never);
    expect(wholeReads).toBe(4);
    expect(standby.take()?.cover).toEqual(newer);
    // A stop: nothing read.
    const stopping = new AbortController();
    stopping.abort();
    now += 100;
    await standby.refresh(stopping.signal);
    expect([wholeReads, standby.take()]).toEqual([4, null]);
    await session.release();
  });

  it('says which snapshot it holds, again every 5 s (while it waits out its spacing too), and takes it back', async () => {
    const clocks = new Clocks();
    const store = new MemoryStateStore(() => clocks.wall);
    const { session, term } = await decidedPastItsSnapshot(store, clocks);
    const said: (number | null | 'none')[] = [];
    // A restore takes 1 s (the whole snapshot read moves the clock), so the next look waits 9 s.
    const watched = Object.create(store, {
      reportStandby: { value: async (name: string, held: SnapshotCover | null) => {
        said.push(held === null ? 'none' : held.streamTime);
        await store.reportStandby(name, held);
      } },
      latestSnapshot: { value: async (held: SnapshotCover | null) => {
        const stored = await store.latestSnapshot(held);
        if (stored !== null && stored !== 'held') clocks.monotonic += 1_000;
        return stored;
      } },
    }) as MemoryStateStore;
    const standby = new WarmStandby(watched, 'standby', engineOptionsOf(deps(store, clocks), settings), () => clocks.monotonic, silent);
    const streamTimeOfStored = async () => ((await store.latestSnapshot(null)) as StoredSnapshot).streamTime;
    const first = await streamTimeOfStored();
    await standby.refresh(never);
    expect(said).toEqual([first]);
    // Within its spacing, and within 5 s of its word: nothing said; 6 s after it, said again.
    clocks.monotonic += 3_000;
    await standby.refresh(never);
    expect(said).toEqual([first]);
    clocks.monotonic += 3_000;
    await standby.refresh(never);
    expect(said).toEqual([first, first]);
    // A newer snapshot: what it held is taken back, then the newer one said once restored.
    clocks.pass(settings.idleTimeoutMs + 1);
    await term.refreshEnds();
    await rounds(term, 20);
    await term.snapshotNow();
    const newer = await streamTimeOfStored();
    expect(newer).not.toBe(first);
    clocks.monotonic += 10_000;
    await standby.refresh(never);
    expect(said).toEqual([first, first, 'none', newer]);
    expect(store.standbys()).toEqual(['standby']);
    await standby.withdraw();
    await standby.withdraw();
    expect([said, store.standbys()]).toEqual([[first, first, 'none', newer, 'none'], []]);
    await session.release();
  });

  it('keeps the engine it holds while the store fails, and waits before trying again', async () => {
    const clocks = new Clocks();
    const store = new MemoryStateStore(() => clocks.wall);
    const { session } = await decidedPastItsSnapshot(store, clocks);
    let failing = false;
    let calls = 0;
    let wholeReads = 0;
    const flaky = Object.create(store, {
      reportStandby: { value: (name: string, held: SnapshotCover | null) => store.reportStandby(name, held) },
      latestSnapshot: { value: async (held: Parameters<MemoryStateStore['latestSnapshot']>[0]) => {
        calls++;
        if (failing) throw new Error('connection refused');
        const stored = await store.latestSnapshot(held);
        if (stored !== null && stored !== 'held') wholeReads++;
        return stored;
      } },
    }) as MemoryStateStore;
    const holding: boolean[] = [];
    const standby = new WarmStandby(flaky, 'standby', engineOptionsOf(deps(store, clocks), settings), () => clocks.monotonic, silent, (warm) => holding.push(warm));
    await standby.refresh(never);
    failing = true;
    await standby.refresh(never);
    expect([calls, holding]).toEqual([2, [false, true, false]]);
    // Not asked again for 30 s.
    clocks.pass(29_000);
    await standby.refresh(never);
    expect(calls).toBe(2);
    failing = false;
    clocks.pass(1_000);
    await standby.refresh(never);
    // Its cover read, not the whole snapshot again: the engine held before the failures was kept.
    expect([calls, wholeReads, holding.at(-1)]).toEqual([3, 1, true]);
    const warm = standby.take();
    expect(warm).not.toBeNull();
    // It is the engine restored before the failures, and the stored snapshot is still that one.
    expect(await store.latestSnapshot(warm!.cover)).toBe('held');
    await session.release();
  });
});

describe('two deciders over the in-memory store', () => {
  const fast: DeciderSettings = { ...settings, standbyPollMs: 5, roundIntervalMs: 5, snapshotEveryRecords: 1_000_000 };
  const until = async (check: () => boolean | Promise<boolean>, what: string) => {
    for (let i = 0; i < 4_000; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const gauge = async (registry: Registry, name: string) => (await registry.getSingleMetric(`optout_verifier_${name}`)!.get()).values[0]?.value;

  /**
   * A leads and decides the first messages (a snapshot covers them); B stands by; A decides two more and its
   * process dies, or it stops; B takes over. Answers B's takeover gauges.
   */
  const takeover = async (standbyWarm: boolean, end: 'dies' | 'stops' = 'dies') => {
    const clocks = new Clocks();
    const store = new MemoryStateStore(() => clocks.wall);
    const covered = async () => new Map((await store.ingestAccounts()).map((a): [PartitionKey, number] => [keyOf(a), a.nextOffset]));
    const decidedAll = async () => {
      const decided = store.decidedOffsets();
      return [...(await covered())].every(([k, offset]) => decided.get(k) === offset);
    };
    await ingest(store, first, () => {});
    const registryA = new Registry();
    const registryB = new Registry();
    const a = new Decider(deps(store, clocks, registryA), { ...fast, standbyWarm, instanceName: 'a' });
    const b = new Decider(deps(store, clocks, registryB), { ...fast, standbyWarm, instanceName: 'b' });
    a.start();
    try {
      await until(async () => a.leading && (await decidedAll()) && (await store.latestSnapshot(null)) !== null, 'A to decide and snapshot the first messages');
      b.start();
      await until(async () => standbyWarm ? (await gauge(registryB, 'decider_standby_warm')) === 1 : true, 'B to hold the snapshot warm');
      // Two new GP events (the first of `second` repeats an id).
      await ingest(store, second.slice(1, 3), () => {});
      await until(decidedAll, 'A to decide two more');
      if (end === 'dies') store.endLeadership();
      await a.stop();
      await until(() => b.leading, 'B to take over');
      // Leading, B no longer says it holds a snapshot.
      await until(() => store.standbys().length === 0, 'B to take back what it said it holds');
      return { warm: await gauge(registryB, 'decider_takeover_warm'), replayed: await gauge(registryB, 'decider_takeover_records'), standingWarm: await gauge(registryB, 'decider_standby_warm') };
    } finally {
      await a.stop();
      await b.stop();
    }
  };

  it('elect the standby when the decider dies, which starts from the snapshot it kept warm and replays what was decided after it', async () => {
    expect(await takeover(true)).toEqual({ warm: 1, replayed: 2, standingWarm: 0 });
    // STANDBY_WARM=false: the same takeover restores the snapshot.
    expect(await takeover(false)).toMatchObject({ warm: 0, replayed: 2 });
  });

  it('leave it to the standby holding the snapshot warm to take over from it when the decider stops, with no last snapshot', async () => {
    expect(await takeover(true, 'stops')).toEqual({ warm: 1, replayed: 2, standingWarm: 0 });
    // No standby holds it warm: the decider stopping takes a last snapshot, which the next one restores.
    expect(await takeover(false, 'stops')).toMatchObject({ warm: 0, replayed: 0 });
  });

  it('hand the outbox over while still the decider when stopping, and not once leadership is lost', async () => {
    const handedOver = async (end: 'dies' | 'stops') => {
      const clocks = new Clocks();
      const store = new MemoryStateStore(() => clocks.wall);
      await ingest(store, first, () => {});
      const epochs: (number | null)[] = [];
      const decider = new Decider({ ...deps(store, clocks), handOver: async () => { epochs.push(store.leaderEpoch()); } }, { ...fast, standbyWarm: false, instanceName: 'a' });
      decider.start();
      await until(() => decider.leading, 'the decider to lead');
      if (end === 'dies') store.endLeadership();
      await decider.stop();
      return { epochs, after: store.leaderEpoch() };
    };
    // The epoch it held is still the store's when it hands over, and is released after.
    expect(await handedOver('stops')).toEqual({ epochs: [1], after: null });
    expect(await handedOver('dies')).toEqual({ epochs: [], after: null });
  });

  it('keep the lock until publishing has stood down, also when a round fails', async () => {
    const clocks = new Clocks();
    const store = new MemoryStateStore(() => clocks.wall);
    await ingest(store, first, () => {});
    // The first round's commit fails, as one refused by the database does.
    let failed = false;
    const failing = withFailingSessions(store, 'commitRound', () => {
      if (failed) return null;
      failed = true;
      return new Error('the round cannot be committed');
    });
    let open = () => {};
    const publishing = new Promise<void>((resolve) => { open = resolve; });
    const held: (number | null)[] = [];
    const decider = new Decider({ ...deps(failing, clocks), standDown: async () => {
      held.push(store.leaderEpoch());
      await publishing;
      held.push(store.leaderEpoch());
    } }, { ...fast, standbyWarm: false, instanceName: 'a' });
    decider.start();
    await until(() => held.length > 0, 'the failed term to stand down');
    await new Promise((r) => setTimeout(r, 20));
    // Still the decider while a pass may be sending: the lock is given up only after it ends.
    expect(failed).toBe(true);
    expect(store.leaderEpoch()).toBe(held[0]);
    open();
    await until(() => held.length >= 2, 'publishing to stand down');
    expect(held[0]).not.toBeNull();
    expect(held[1]).toBe(held[0]);
    await decider.stop();
  });
});

describe('a decider whose takeovers keep failing', () => {
  it('waits longer each time before it is a candidate again, and logs at error level once it failed before', async () => {
    const clocks = new Clocks();
    const store = new MemoryStateStore(() => clocks.wall);
    const attempts: number[] = [];
    // Every session it is given fails to load the checkpoint, as one whose snapshot cannot be read does.
    const failing = withFailingSessions(store, 'loadCheckpoint', () => new Error('the snapshot cannot be read'), () => attempts.push(performance.now()));
    const lines: { level: number; msg: string; failedTakeovers?: number }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as (typeof lines)[number]); } });
    const pollMs = 20;
    const decider = new Decider({ ...deps(failing, clocks), logger }, { ...settings, standbyPollMs: pollMs, standbyWarm: false, instanceName: 'a' });
    decider.start();
    try {
      for (let i = 0; i < 4_000 && attempts.length < 5; i++) await new Promise((r) => setTimeout(r, 5));
    } finally {
      await decider.stop();
    }
    expect(attempts.length).toBeGreaterThanOrEqual(5);
    // The pauses after failures 1 to 4 are at least half of 20, 40, 80 and 160 ms: 150 ms in all.
    expect(attempts[4]! - attempts[0]!).toBeGreaterThanOrEqual(150);
    const failures = lines.filter((l) => l.msg.startsWith('could not rebuild the engine'));
    expect(failures.slice(0, 5).map((l) => [l.level, l.failedTakeovers])).toEqual([[40, 1], [50, 2], [50, 3], [50, 4], [50, 5]]);
    expect(store.leaderEpoch()).toBeNull();
  });
});

