import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { snapshotOf, UnreadableSnapshot } from '../../core/engine-snapshot.js';
import { Reconciler, type ReconcilerOptions } from '../../core/reconciler.js';
import { catalogue, CODES, gp, HOUR, manifest, PATIENT_A, readableIdentity, receipt, T0 } from '../../core/testing/builders.js';
import { VerifierError } from '../errors.js';
import { partitionKey } from '../store/topic-partition.js';
import { encodeCompactValue, UnreadableValue } from './compact-value.js';
import { decodeDeciderSnapshot, DECIDER_SNAPSHOT_FORMAT, encodeDeciderSnapshot, encodeDeciderState, restoreDeciderSnapshot, type DeciderSnapshotContent } from './decider-snapshot.js';

const options: ReconcilerOptions = { slaMs: 72 * HOUR, graceMs: HOUR, identity: readableIdentity };

/** Format 2: a snapshot that holds its engine's queue. */
const QUEUE_INSIDE = 2;

function content(): DeciderSnapshotContent {
  const { engine, latestEventTime, futureTimes } = state();
  return { engine: snapshotOf(engine), latestEventTime, futureTimes };
}

function state() {
  const engine = new Reconciler(options);
  engine.offerGpEvent(gp('e1', T0, CODES.t1Dissent, PATIENT_A), catalogue.lookup(CODES.t1Dissent)!);
  engine.offerReceipt(receipt('r1', T0 + HOUR, CODES.t1Dissent, PATIENT_A), catalogue.lookup(CODES.t1Dissent)!);
  engine.offerManifest(manifest('x1', T0 + 2 * HOUR, T0 + 3 * HOUR));
  engine.advanceTo(T0 + 2 * HOUR);
  return { engine, latestEventTime: { 'gp:0': T0, 'rc:0': T0 + HOUR }, futureTimes: { 'mf:0': [T0 + 3 * HOUR] }, queuedFrom: null };
}

describe('the decider snapshot as stored', () => {
  it('reads back what was written, as JSON would carry it', async () => {
    const written = content();
    const state = await encodeDeciderSnapshot(written);
    expect(await decodeDeciderSnapshot(QUEUE_INSIDE, state)).toStrictEqual(JSON.parse(JSON.stringify(written)));
  });

  it('still reads a snapshot an earlier version stored as JSON text (format 1)', async () => {
    const written = content();
    const state = gzipSync(Buffer.from(JSON.stringify(written), 'utf8'));
    expect(await decodeDeciderSnapshot(1, state)).toStrictEqual(JSON.parse(JSON.stringify(written)));
  });

  it('refuses a format it does not know, naming it', async () => {
    const refusal = await decodeDeciderSnapshot(9, await encodeDeciderSnapshot(content())).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(VerifierError);
    expect((refusal as VerifierError).message).toMatch(/format 9/);
  });

  it('restores the engine and the partition times of either format it reads', async () => {
    const written = content();
    const stored = [
      { format: QUEUE_INSIDE, state: await encodeDeciderSnapshot(written) },
      { format: 1, state: gzipSync(Buffer.from(JSON.stringify(written), 'utf8')) },
    ];
    for (const { format, state } of stored) {
      const restored = await restoreDeciderSnapshot(format, state, options);
      expect(snapshotOf(restored.engine)).toStrictEqual(JSON.parse(JSON.stringify(written.engine)));
      expect(restored.latestEventTime).toStrictEqual(written.latestEventTime);
      expect(restored.futureTimes).toStrictEqual(written.futureTimes);
    }
  });

  it('refuses to restore a snapshot cut short, without its engine, or of a format it does not know, saying why', async () => {
    const state = gunzipSync(await encodeDeciderSnapshot(content()));
    const refusal = (bytes: Buffer, format = QUEUE_INSIDE) => restoreDeciderSnapshot(format, gzipSync(bytes), options).catch((error: unknown) => error);
    for (const cut of [1, state.length >> 1, state.length - 1]) expect(await refusal(state.subarray(0, cut))).toBeInstanceOf(UnreadableValue);
    const { engine, ...partitionTimes } = content();
    expect(engine.keys).toHaveLength(1);
    expect(await refusal(Buffer.concat(encodeCompactValue(partitionTimes)))).toStrictEqual(new UnreadableSnapshot('no engine in the decider snapshot'));
    expect(await refusal(Buffer.concat(encodeCompactValue({ engine })))).toBeInstanceOf(UnreadableSnapshot);
    expect(((await refusal(state, 9)) as Error).message).toMatch(/format 9/);
  });

  it('refuses partition times that are not integers, in either format, naming the partition', async () => {
    const { engine } = content();
    const refusal = async (times: object) => {
      const stored = [
        { format: QUEUE_INSIDE, state: gzipSync(Buffer.concat(encodeCompactValue({ engine, ...times }))) },
        { format: 1, state: gzipSync(Buffer.from(JSON.stringify({ engine, ...times }), 'utf8')) },
      ];
      return Promise.all(stored.map(({ format, state }) => restoreDeciderSnapshot(format, state, options).then(() => null, (error: unknown) => (error as Error).message)));
    };
    expect(await refusal({ latestEventTime: { 'gp:0': 'soon' }, futureTimes: {} })).toStrictEqual(Array(2).fill('engine snapshot not readable: the latest event time of partition gp:0 is not an integer'));
    expect(await refusal({ latestEventTime: { 'gp:0': T0 }, futureTimes: { 'mf:0': [T0, 1.5] } })).toStrictEqual(Array(2).fill('engine snapshot not readable: the future times of partition mf:0 are not a list of integers'));
    expect(await refusal({ latestEventTime: { 'gp:0': T0 }, futureTimes: { 'mf:0': T0 } })).toStrictEqual(Array(2).fill('engine snapshot not readable: the future times of partition mf:0 are not a list of integers'));
    expect(await refusal({ latestEventTime: [T0], futureTimes: {} })).toStrictEqual(Array(2).fill('engine snapshot not readable: no partition times in the decider snapshot'));
    expect(await refusal({ latestEventTime: { 'gp:0': T0 }, futureTimes: { 'mf:0': [T0] } })).toStrictEqual([null, null]);
  });

  it('pauses between steps of 5,000 patient keys when asked, to the engine an unpaced restore gives, and stops when the pause throws', async () => {
    const engine = new Reconciler(options);
    for (let i = 0; i < 12_000; i++) {
      engine.offerGpEvent(gp(`e${i}`, T0 + i, CODES.t1Dissent, `999${String(i).padStart(7, '0')}`), catalogue.lookup(CODES.t1Dissent)!);
    }
    engine.advanceTo(T0 + HOUR);
    const { state: stored } = await encodeDeciderState({ engine, latestEventTime: { 'gp:0': T0 }, futureTimes: {}, queuedFrom: null }, async () => {}, () => 0);
    let pauses = 0;
    const paced = await restoreDeciderSnapshot(QUEUE_INSIDE, stored, options, async () => { pauses++; });
    expect(pauses).toBe(2);
    expect(snapshotOf(paced.engine)).toStrictEqual(snapshotOf((await restoreDeciderSnapshot(QUEUE_INSIDE, stored, options)).engine));
    expect(snapshotOf(paced.engine).keys).toHaveLength(12_000);
    const stopped = new Error('stopping');
    await expect(restoreDeciderSnapshot(QUEUE_INSIDE, stored, options, async () => { throw stopped; })).rejects.toBe(stopped);
  });

  it('writes in steps of 5,000 patient keys and 20,000 manifests, pausing between them, the bytes of the snapshot, with the time the steps held', async () => {
    const engine = new Reconciler(options);
    for (let i = 0; i < 12_000; i++) {
      engine.offerGpEvent(gp(`e${i}`, T0 + i, CODES.t1Dissent, `999${String(i).padStart(7, '0')}`), catalogue.lookup(CODES.t1Dissent)!);
    }
    // 45,000 manifests of two practices: two more pauses.
    for (let i = 0; i < 45_000; i++) engine.offerManifest({ ...manifest(`x${i}`, T0 + i, T0 + i), practiceOds: i % 2 === 0 ? 'A81001' : 'B82002' });
    engine.advanceTo(T0 + HOUR);
    expect(snapshotOf(engine).manifests.flatMap(([, list]) => list)).toHaveLength(45_000);
    const times = { latestEventTime: { 'gp:0': T0 }, futureTimes: {} };
    // Each reading of the clock moves it on 100 ms; each pause 1 s, which the time held leaves out.
    let clock = 0;
    let pauses = 0;
    const paced = await encodeDeciderState({ engine, ...times, queuedFrom: null }, async () => { pauses++; clock += 1_000; }, () => (clock += 100));
    expect(pauses).toBe(4);
    expect(paced.heldMs).toBe(500);
    expect(gunzipSync(paced.state)).toStrictEqual(gunzipSync(await encodeDeciderSnapshot({ engine: snapshotOf(engine), ...times })));
  });

  it('leaves the engine\'s queue out (format 3), naming where to read it back from, and restores the engine without it', async () => {
    const held = state();
    expect(snapshotOf(held.engine).queued).toHaveLength(1);
    const queuedFrom = new Map([[partitionKey('mf', 0), 7]]);
    const written = await encodeDeciderState({ ...held, queuedFrom }, async () => {}, () => 0);
    expect(written.format).toBe(DECIDER_SNAPSHOT_FORMAT);
    const decoded = await decodeDeciderSnapshot(written.format, written.state);
    expect(decoded.engine).toStrictEqual({ ...content().engine, queued: [] });
    expect(decoded.queuedFrom).toStrictEqual({ 'mf:0': 7 });
    const restored = await restoreDeciderSnapshot(written.format, written.state, options);
    expect(restored.queuedFrom).toStrictEqual(queuedFrom);
    expect(snapshotOf(restored.engine)).toStrictEqual({ ...content().engine, queued: [] });
    // Written with no queuedFrom, the same state keeps its queue (format 2), and restores with none to read back.
    const inside = await encodeDeciderState(held, async () => {}, () => 0);
    expect(inside.format).toBe(QUEUE_INSIDE);
    expect((await restoreDeciderSnapshot(inside.format, inside.state, options)).queuedFrom).toBeNull();
  });

  it('refuses a format 3 snapshot whose queue offsets are missing or not whole numbers, naming the partition', async () => {
    const { engine, latestEventTime, futureTimes } = content();
    const refusal = (queuedFrom?: unknown) => restoreDeciderSnapshot(DECIDER_SNAPSHOT_FORMAT, gzipSync(Buffer.concat(encodeCompactValue({ engine: { ...engine, queued: [] }, latestEventTime, futureTimes, queuedFrom }))), options)
      .then(() => null, (error: unknown) => (error as Error).message);
    expect(await refusal()).toBe('engine snapshot not readable: no queue offsets in the decider snapshot');
    expect(await refusal({ 'mf:0': 1.5 })).toBe('engine snapshot not readable: the queue offset of partition mf:0 is not a whole number');
    expect(await refusal({ 'mf:0': -1 })).toBe('engine snapshot not readable: the queue offset of partition mf:0 is not a whole number');
    expect(await refusal({ 'mf:0': 3 })).toBeNull();
    // Its engine must hold no queue: one read back from the store as well would be offered twice.
    const queued = await restoreDeciderSnapshot(DECIDER_SNAPSHOT_FORMAT, gzipSync(Buffer.concat(encodeCompactValue({ ...content(), queuedFrom: { 'mf:0': 3 } }))), options)
      .then(() => null, (error: unknown) => (error as Error).message);
    expect(queued).toBe('engine snapshot not readable: a format 3 snapshot whose engine holds queued records');
  });

  it('writes from the engine itself the bytes it writes from the engine\'s snapshot', async () => {
    const fromEngine = gunzipSync((await encodeDeciderState(state(), async () => {}, () => 0)).state);
    expect(fromEngine).toStrictEqual(gunzipSync(await encodeDeciderSnapshot(content())));
    expect(snapshotOf((await restoreDeciderSnapshot(QUEUE_INSIDE, gzipSync(fromEngine), options)).engine)).toStrictEqual(content().engine);
  });
});
