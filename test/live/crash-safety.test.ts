// Crash safety: `optout-verifier run` as a child process, killed with SIGKILL at six points while it consumes
// (ingest mid-way, decider mid-way, just after an engine snapshot, alerts decided but not all sent, publishing),
// restarted each time on the same group and schema; snapshots are taken every few hundred records, so restarts
// restore the engine from one and replay only the records after it. The final alerts equal the replay's (which equal an uninterrupted run's: see
// live-equals-replay.test.ts), no alert change is missing from the topic, none is stored twice, and SIGTERM at
// the end stops the service with exit code 0.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayScenario, topicAlerts } from './support/alert-views.js';
import { liveEnv, produce, waitUntil, type ChildService } from './support/live-harness.js';
import { testResources } from './support/test-resources.js';
import { LiveProbe, type Progress as LiveProgress } from './support/live-probe.js';
import { seededRandom, shuffledOrder, simulateScenario, writeWriterSchemas } from './support/scenario.js';
import { testStack } from '../stack/test-context.js';

const DAY = 86_400_000;
const SCENARIO = ['--seed', '31', '--practices', '4', '--patients', '1500', '--days', '240', '--start', '2018-01-01', '--opt-outs-per-year', '0.5',
  '--disseminations-per-week', '2%', '--faults', 'systmone-2018,late-receipts,phantom-objections,revoked-objections,bad-records,redeliveries'];

type Progress = LiveProgress & { readonly sent: number };

describe('crash safety', () => {
  const stack = testStack();
  const made = testResources(stack);

  it('gives the same alerts after SIGKILL at six points and restarts', async () => {
    const setup = await made.live({ partitions: 4 });
    const children: ChildService[] = [];
    const scenario = await simulateScenario(join(setup.dir, 'scenario'), SCENARIO);
    const replayed = await replayScenario(scenario, setup.keyFile);
    const order = shuffledOrder(scenario.messages, 3 * DAY, seededRandom(5));
    const env = liveEnv(setup, { ALLOWED_LATENESS: '7d', SNAPSHOT_EVERY: '150', WRITER_SCHEMAS_DIR: await writeWriterSchemas(scenario, join(setup.dir, 'writer-schemas')) });
    const probe = new LiveProbe(setup);
    const progress = async (): Promise<Progress> => {
      const now = await probe.progress();
      return { ...now, sent: now.outbox - now.unsent };
    };

    // Seven slices of the records; the service is killed once during each of the first six.
    const slices = 7;
    const bounds = Array.from({ length: slices + 1 }, (_, i) => Math.round((i * order.length) / slices));
    const killPoints: { name: string; at: Progress }[] = [];
    const conditions: { name: string; holds: (now: Progress, atStart: Progress, produced: number) => boolean }[] = [
      { name: 'ingest has stored part of the first slice', holds: (now) => now.ingested > 0 },
      { name: 'ingest is mid-way through a slice', holds: (now, start) => now.ingested > start.ingested },
      { name: 'the decider has committed a round since the restart', holds: (now, start) => now.decided > start.decided },
      { name: 'the decider has committed a snapshot since the restart', holds: (now, start) => now.snapshotAt > start.snapshotAt },
      { name: 'alerts decided since the restart', holds: (now, start) => now.outbox > start.outbox },
      { name: 'alerts published since the restart', holds: (now, start) => now.sent > start.sent },
    ];
    for (let slice = 0; slice < slices; slice++) {
      await produce(setup, order.slice(bounds[slice], bounds[slice + 1]));
      const service = made.child(setup, env, `instance-${slice}`);
      children.push(service);
      const condition = conditions[slice];
      if (!condition) break;
      const atStart = await progress();
      const produced = bounds[slice + 1]!;
      // Once everything produced is stored, decided and sent, nothing more can happen: kill there instead.
      const at = await waitUntil(`${condition.name} (log: ${service.logFile})`, async () => {
        const now = await progress();
        const settled = now.ingested === produced && now.decided === produced && now.sent === now.outbox;
        return condition.holds(now, atStart, produced) || settled ? now : undefined;
      }, 60_000, 10);
      service.child.kill('SIGKILL');
      const exit = await service.exited;
      expect(exit.signal).toBe('SIGKILL');
      killPoints.push({ name: condition.name, at });
    }
    expect(killPoints).toHaveLength(6);
    // Every kill landed while work was in flight: records produced and not yet all stored, decided or sent.
    killPoints.forEach(({ name, at }, i) => {
      const inFlight = at.ingested < bounds[i + 1]! || at.decided < bounds[i + 1]! || at.sent < at.outbox;
      expect({ name, inFlight }).toEqual({ name, inFlight: true });
    });

    const last = children[children.length - 1]!;
    await probe.waitSettled(replayed.asOf, last.logFile, { ingested: order.length });

    expect(await probe.storedAlerts()).toEqual(replayed.alerts);
    // Every restart after the kill that followed a snapshot restored the engine from one, not from every record.
    const restoredFromSnapshot = await Promise.all(children.map(async (c) => (await readFile(c.logFile, 'utf8')).split('\n')
      .filter((line) => line.includes('engine rebuilt')).map((line) => (JSON.parse(line) as { snapshot: unknown }).snapshot !== null)));
    const afterSnapshotKill = killPoints.findIndex((k) => k.name.includes('snapshot')) + 1;
    expect(restoredFromSnapshot.slice(afterSnapshotKill).flat()).toEqual(restoredFromSnapshot.slice(afterSnapshotKill).map(() => true));
    const outbox = await probe.outboxChanges();
    const changes = new Set(outbox);
    expect(changes.size).toBe(outbox.length);
    const onTopic = await topicAlerts(setup.kafka, setup.topics.alerts, outbox.length, stack.uniqueName('alerts-reader'));
    const published = new Set(onTopic.changes.map((c) => `${c.alert.alertId}|${c.transition}`));
    expect([...changes].filter((c) => !published.has(c))).toEqual([]);
    expect(onTopic.alerts).toEqual(replayed.alerts);

    last.child.kill('SIGTERM');
    expect(await last.exited).toEqual({ code: 0, signal: null });
  });
});
