// Two instances in one consumer group over six partitions share the work (ingest splits the partitions; one of
// them is the elected decider). The decider's instance is killed with SIGKILL midway: the other takes over its
// partitions and the decision (restoring the engine from the last snapshot and replaying the records stored after
// it) and the final alerts are identical
// to the replay's, with manifests keyed by practice and everything else by NHS number on different instances. Then
// the same with the decider's instance stopped (a rolling restart) while the other holds its snapshot warm: it
// leaves the takeover to that one, which starts from the engine it holds.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayScenario } from './support/alert-views.js';
import { liveEnv, produce, waitUntil } from './support/live-harness.js';
import { testResources } from './support/test-resources.js';
import { LiveProbe } from './support/live-probe.js';
import { seededRandom, shuffledOrder, simulateScenario, writeWriterSchemas } from './support/scenario.js';
import { testStack } from '../stack/test-context.js';

const DAY = 86_400_000;
const SCENARIO = ['--seed', '43', '--practices', '5', '--patients', '1800', '--days', '260', '--start', '2017-12-01', '--opt-outs-per-year', '0.5',
  '--disseminations-per-week', '2%', '--faults', 'systmone-2018,supplier-outage,late-receipts,phantom-objections,bad-records,redeliveries'];

/** The partitions each "joined the consumer group" line of a log gave the instance, latest last. */
async function assignments(logFile: string): Promise<number[]> {
  const lines = (await readFile(logFile, 'utf8')).split('\n').filter((l) => l.includes('"joined the consumer group"'));
  return lines.map((l) => Object.values((JSON.parse(l) as { partitions: Record<string, number[]> }).partitions).reduce((n, list) => n + list.length, 0));
}

describe('two instances in one consumer group', () => {
  const stack = testStack();
  const made = testResources(stack);

  /** The scenario replayed, its messages in a shuffled order (`seed`), and the first half of them produced. */
  const firstHalfProduced = async (seed: number, overrides: Record<string, string> = {}) => {
    const setup = await made.live({ partitions: 6 });
    const scenario = await simulateScenario(join(setup.dir, 'scenario'), SCENARIO);
    const replayed = await replayScenario(scenario, setup.keyFile);
    const order = shuffledOrder(scenario.messages, 3 * DAY, seededRandom(seed));
    const env = liveEnv(setup, { ALLOWED_LATENESS: '7d', SNAPSHOT_EVERY: '200', WRITER_SCHEMAS_DIR: await writeWriterSchemas(scenario, join(setup.dir, 'writer-schemas')), ...overrides });
    const half = Math.floor(order.length / 2);
    await produce(setup, order.slice(0, half));
    return { setup, replayed, order, env, probe: new LiveProbe(setup), half };
  };

  it('give the same alerts as one, when the deciding instance is killed midway', async () => {
    const { setup, replayed, order, env, probe, half } = await firstHalfProduced(17);

    const a = made.child(setup, env, 'instance-a');
    const b = made.child(setup, env, 'instance-b');
    // Both members hold partitions once the group has rebalanced over them.
    await waitUntil('both instances to hold partitions', async () => {
      const [ofA, ofB] = [await assignments(a.logFile), await assignments(b.logFile)];
      return ofA.length > 0 && ofB.length > 0 && ofA[ofA.length - 1]! > 0 && ofB[ofB.length - 1]! > 0 && ofA[ofA.length - 1]! + ofB[ofB.length - 1]! === 24;
    }, 60_000);
    await produce(setup, order.slice(half));

    const leader = await waitUntil('a decider to be elected', async () => (await probe.progress()).leader ?? undefined, 30_000);
    await waitUntil('ingest to be past the first half', async () => (await probe.progress()).ingested > half, 60_000, 20);
    await waitUntil('the decider to have committed a snapshot', async () => (await probe.progress()).snapshots > 0, 60_000, 20);
    const [killed, survivor] = leader === 'instance-a' ? [a, b] : [b, a];
    killed.child.kill('SIGKILL');
    await killed.exited;

    await waitUntil(`the surviving instance to finish (log: ${survivor.logFile})`, async () => (await probe.progress()).leader !== leader && probe.settled(replayed.asOf, order.length), 90_000);
    // The survivor took over the decision from the snapshot.
    const rebuilt = (await readFile(survivor.logFile, 'utf8')).split('\n').filter((l) => l.includes('"engine rebuilt; deciding"'));
    expect((JSON.parse(rebuilt.at(-1)!) as { snapshot: unknown }).snapshot).not.toBeNull();
    // The survivor took every partition after the rebalance.
    expect((await assignments(survivor.logFile)).at(-1)).toBe(24);

    await probe.expectMatchesReplay(replayed, { readerGroup: stack.uniqueName('alerts-reader') });

    // A few records after the survivor's last snapshot (redeliveries: nothing new to decide), then a stop.
    await produce(setup, order.slice(0, 50));
    await waitUntil('the redeliveries to be decided', async () => {
      const p = await probe.progress();
      return p.ingested === order.length + 50 && p.decided === order.length + 50;
    }, 60_000);
    survivor.child.kill('SIGTERM');
    expect(await survivor.exited).toEqual({ code: 0, signal: null });
    // Stopped, the survivor took a last snapshot first: it covers every decided offset, so the next decider
    // replays nothing.
    const { snapshot, decided } = await probe.snapshotAndDecidedOffsets();
    expect(snapshot).toEqual(decided);
  });

  it('give the same alerts as one, when the deciding instance is stopped midway while the other holds its snapshot warm', async () => {
    // Every partition is silent from the first half's end until the second half is produced after the stop: a
    // longer IDLE_TIMEOUT than the harness's 2 s, so that none counts as idle meanwhile and lets stream time pass
    // records about to be produced to it (README, "When the live answer can differ").
    const { setup, replayed, order, env, probe, half } = await firstHalfProduced(19, { IDLE_TIMEOUT: '15s' });
    const a = made.child(setup, env, 'instance-a');
    const b = made.child(setup, env, 'instance-b');
    const leader = await waitUntil('a decider to be elected', async () => (await probe.progress()).leader ?? undefined, 30_000);
    const [stopped, standby] = leader === 'instance-a' ? [a, b] : [b, a];
    const standbyName = leader === 'instance-a' ? 'instance-b' : 'instance-a';
    const allDecided = async (records: number) => {
      const p = await probe.progress();
      return p.ingested >= records && p.decided === p.ingested;
    };
    // Everything decided and the stored snapshot held warm by the standby, both unchanged for 2 s: no snapshot is
    // pending (with no new records, the next would be due only after SNAPSHOT_EVERY more, or minutes).
    let steady: { snapshotAt: number; since: number } | null = null;
    await waitUntil('the first half to be decided, the stored snapshot held warm by the standby for 2 s', async () => {
      const p = await probe.progress();
      if (!(await allDecided(half)) || !(await probe.standbysHoldingTheSnapshot()).includes(standbyName)) steady = null;
      else if (steady === null || steady.snapshotAt !== p.snapshotAt) steady = { snapshotAt: p.snapshotAt, since: Date.now() };
      return steady !== null && Date.now() - steady.since >= 2_000;
    }, 90_000, 50);
    // A rolling restart's stop, then the rest of the records, for the standby to decide.
    stopped.child.kill('SIGTERM');
    expect(await stopped.exited).toEqual({ code: 0, signal: null });
    // It left the takeover to the standby, with no last snapshot; the standby started from the engine it held.
    expect(await readFile(stopped.logFile, 'utf8')).toContain('a standby holds the stored snapshot warm');
    await produce(setup, order.slice(half));
    await waitUntil(`the standby to finish (log: ${standby.logFile})`, async () => (await probe.progress()).leader === standbyName && probe.settled(replayed.asOf, order.length), 90_000);
    const rebuilt = (await readFile(standby.logFile, 'utf8')).split('\n').filter((l) => l.includes('"engine rebuilt; deciding"'));
    expect((JSON.parse(rebuilt.at(-1)!) as { snapshot: { warm?: boolean } | null }).snapshot?.warm).toBe(true);

    await probe.expectMatchesReplay(replayed, { readerGroup: stack.uniqueName('alerts-reader') });
  });
});
