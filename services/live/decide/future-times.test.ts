import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { streamValueDecoder, streamValueEncoder } from '../../codec/stream-value-codec.js';
import type { RecordOf, StreamName } from '../../core/records.js';
import { catalogue, CODES, gp, HOUR, PATIENT_A } from '../../core/testing/builders.js';
import { keyedIdentity } from '../../identity/keyed-identity.js';
import { storedPseudonymIdentity } from '../../identity/stored-pseudonym-identity.js';
import { MessageIntake } from '../ingest/message-intake.js';
import { createVerifierMetrics } from '../ops/metrics.js';
import { MemoryStateStore } from '../store/testing/memory-state-store.js';
import { keyOf, type PartitionKey } from '../store/topic-partition.js';
import { DecisionMetrics } from './decision-metrics.js';
import { DEFAULT_DECIDER_TIMINGS, DecisionTerm, type DeciderDeps, type DeciderSettings } from './decision-term.js';

const TOPIC = { gpEvents: 'gp', ndsReceived: 'rc', ndsManifests: 'mf', ndsDisseminations: 'ds' } as const;
const streamOfTopic = new Map(Object.entries(TOPIC).map(([stream, topic]) => [topic, stream as StreamName]));
const key = Buffer.from('a3'.repeat(32), 'hex');
const WALL_START = Date.UTC(2026, 0, 1);
const settings: DeciderSettings = {
  ...DEFAULT_DECIDER_TIMINGS,
  slaMs: 72 * HOUR, graceMs: HOUR, allowedLatenessMs: 30 * HOUR, idleTimeoutMs: 60_000, instanceName: 'test', horizonMs: 90 * 24 * HOUR,
  maxFutureMs: HOUR, roundBudget: 200_000, snapshotEveryRecords: 1, snapshotMaxIntervalMs: 300_000, deadLetterRetentionMs: 30 * 24 * HOUR, standbyWarm: false,
};
const clocks = { wall: WALL_START, mono: 0 };
function deps(store: MemoryStateStore): DeciderDeps {
  const metrics = createVerifierMetrics(new Registry(), { version: 'test' }, { inputTopics: Object.values(TOPIC) });
  return {
    store, streamOfTopic, identity: storedPseudonymIdentity(), metrics, decisionMetrics: new DecisionMetrics(metrics, () => clocks.wall),
    topology: { endOffsets: async () => new Map((await store.ingestAccounts()).map((a): [PartitionKey, number] => [keyOf(a), a.nextOffset])) },
    encodeAlert: (change) => Buffer.from(JSON.stringify(change)),
    logger: pino({ level: 'silent' }), retry: { retrying: () => {}, recovered: () => {} },
    onAlertsCommitted: () => {}, onLeadership: () => {}, handOver: async () => {}, standDown: async () => {}, monotonicNow: () => clocks.mono, wallNow: () => clocks.wall,
  };
}

// More future-dated times on one partition than a call takes arguments (about 125,000 on Node 20) all come due in one
// round: a bulk load stamped with one instant ahead, or a supplier's clock hours ahead and a decider down meanwhile.
describe('future-dated records all coming due in one round', () => {
  it('are let count in that round, and after a takeover from the snapshot that holds them', async () => {
    const N = 130_000;
    const store = new MemoryStateStore(() => clocks.wall);
    const intake = new MessageIntake('gpEvents', streamValueDecoder('gpEvents'), catalogue, keyedIdentity(key).patientRefFor);
    const encode = streamValueEncoder('gpEvents') as (r: RecordOf[StreamName]) => Buffer;
    // All dated at one instant 3 hours ahead of the wall clock, beyond MAX_FUTURE (1 hour).
    const at = WALL_START + 3 * HOUR;
    for (let from = 0; from < N; from += 10_000) {
      const items = Array.from({ length: 10_000 }, (_, j) => intake.classify(from + j, encode(gp(`e${from + j}`, at, CODES.t1Dissent, PATIENT_A))));
      const out = await store.ingest({ topic: 'gp', partition: 0, stream: 'gpEvents', items, nextOffset: from + 10_000, fetchedFrom: from, gapAccepted: false }, async () => {});
      expect(out.kind).toBe('stored');
    }
    let session = (await store.tryLead('a'))!;
    let term = new DecisionTerm(deps(store), settings, session);
    await term.rebuild();
    await term.refreshEnds();
    await term.round();
    await term.round();
    await term.settle();
    expect((await session.loadCheckpoint()).snapshot).not.toBeNull();
    // Two hours later the wall clock plus MAX_FUTURE passes that instant: all of them come due in this round.
    clocks.wall += 2 * HOUR + 1; clocks.mono += 2 * HOUR + 1;
    await term.round();
    expect(term.streamTime).toBe(at - settings.allowedLatenessMs);
    await session.release();
    // The next leader restores the snapshot that still holds those times (taken before they came due).
    session = (await store.tryLead('b'))!;
    term = new DecisionTerm(deps(store), settings, session);
    await term.rebuild();
    await term.refreshEnds();
    await term.round();
    expect(term.streamTime).toBe(at - settings.allowedLatenessMs);
    await session.release();
  }, 120_000);

  it('are counted once as read, not again when a later term of the same process replays them', async () => {
    const store = new MemoryStateStore(() => clocks.wall);
    const intake = new MessageIntake('gpEvents', streamValueDecoder('gpEvents'), catalogue, keyedIdentity(key).patientRefFor);
    const encode = streamValueEncoder('gpEvents') as (r: RecordOf[StreamName]) => Buffer;
    const items = [0, 1, 2].map((i) => intake.classify(i, encode(gp(`f${i}`, clocks.wall + 3 * HOUR, CODES.t1Dissent, PATIENT_A))));
    await store.ingest({ topic: 'gp', partition: 0, stream: 'gpEvents', items, nextOffset: 3, fetchedFrom: 0, gapAccepted: false }, async () => {});
    const shared = deps(store);
    const counted = async () => (await shared.metrics.futureRecords.get()).values.find((v) => v.labels.topic === 'gp')?.value;
    const noSnapshot = { ...settings, snapshotEveryRecords: 1_000_000 };
    for (const name of ['a', 'b']) {
      const session = (await store.tryLead(name))!;
      const term = new DecisionTerm(shared, noSnapshot, session);
      // The second term replays the three records the first decided (no snapshot covers them).
      const { replayed } = await term.rebuild();
      expect(replayed).toBe(name === 'a' ? 0 : 3);
      await term.refreshEnds();
      await term.round();
      await term.settle();
      await session.release();
      expect(await counted()).toBe(3);
    }
  });
});

