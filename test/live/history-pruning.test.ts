// Retention of resolved alert history: after a live run (as the runtime role), `audit prune` run as the owner
// removes alerts resolved more than the retention before stream time, with their sent messages, and keeps only the
// position and hash of their changes; `audit verify` still finds the chain intact and says how many rows were
// pruned. Firing alerts stay whole; the runtime role cannot prune.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayScenario, storedAlerts } from './support/alert-views.js';
import { liveEnv, prepareLive, produce, startInProcess, type LiveSetup } from './support/live-harness.js';
import { LiveProbe } from './support/live-probe.js';
import {
  alertsDueForPruning, alertsKeptByPruning, changesLoggedFor, loggedChanges, prunedHistory, recordedPrunes, rewriteLoggedChangeUnchanged,
} from './support/alert-history-sql.js';
import { seededRandom, shuffledOrder, simulateScenario, writeWriterSchemas } from './support/scenario.js';
import { runCli } from '../stack/cli-entry.js';
import { testStack } from '../stack/test-context.js';

const DAY = 86_400_000;
const SCENARIO = ['--seed', '5', '--practices', '3', '--patients', '1200', '--days', '240', '--start', '2017-11-01', '--opt-outs-per-year', '0.5',
  '--disseminations-per-week', '2%', '--faults', 'systmone-2018,revoked-objections,unfiltered-release'];

describe('pruning resolved alert history', () => {
  const stack = testStack();
  let setup: LiveSetup;
  let probe: LiveProbe;
  let asOf = 0;

  beforeAll(async () => {
    setup = await prepareLive(stack, { partitions: 2, runtimeRole: true });
    const scenario = await simulateScenario(join(setup.dir, 'scenario'), SCENARIO);
    const replayed = await replayScenario(scenario, setup.keyFile);
    asOf = replayed.asOf;
    await produce(setup, shuffledOrder(scenario.messages, Infinity, seededRandom(3)));
    const running = await startInProcess(setup, liveEnv(setup, { ALLOWED_LATENESS: '1000d', WRITER_SCHEMAS_DIR: await writeWriterSchemas(scenario, join(setup.dir, 'writer-schemas')) }));
    probe = new LiveProbe(setup);
    await probe.waitSettled(replayed.asOf, running.logFile, { timeoutMs: 90_000 });
    await running.service.stop();
    expect(await storedAlerts(setup.db)).toEqual(replayed.alerts);
  }, 180_000);

  afterAll(async () => {
    await setup?.cleanUp();
  });

  it('keeps position and hash only for alerts resolved before the retention, and the chain still verifies', async () => {
    const db = setup.db;
    const env = (url: string) => ({ DATABASE_URL: url, DB_SCHEMA: setup.schema.schema, ALLOW_PLAINTEXT: 'true' });
    const retention = 30 * DAY;
    const due = await alertsDueForPruning(db, asOf - retention);
    const dueChanges = await changesLoggedFor(db, due);
    const kept = await alertsKeptByPruning(db, asOf - retention);
    const keptBefore = await storedAlerts(db);
    const firing = keptBefore.filter((a) => a.state === 'FIRING').length;
    expect(due.length).toBeGreaterThan(0);
    expect(firing).toBeGreaterThan(0);
    const positions = (await loggedChanges(db)).n;

    // The runtime role may not prune (it cannot set the history's append-only trigger aside).
    const refused = await runCli(['audit', 'prune', '--resolved-for', '30d'], env(setup.databaseUrl));
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/cannot prune the alert history: .*SQLSTATE 42501/);
    expect(await runCli(['audit', 'prune', '--resolved-for', '1d'], env(stack.databaseUrl))).toMatchObject({ code: 2, stderr: expect.stringContaining('at least 30d') });

    const pruned = await runCli(['audit', 'prune', '--resolved-for', '30d'], env(stack.databaseUrl));
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain(`pruned alerts resolved before ${new Date(asOf - retention).toISOString()}: ${due.length} alerts, ${dueChanges} changes`);

    // The pruned alerts are gone, with their messages; every other alert is as it was, the firing ones included.
    const keptAfter = await storedAlerts(db);
    expect(keptAfter.map((a) => a.alertId)).toEqual(kept);
    const dueIds = new Set(due);
    expect((await probe.outboxChanges()).filter((c) => dueIds.has(c.slice(0, c.lastIndexOf('|'))))).toEqual([]);
    const keptIds = new Set(kept);
    expect(keptAfter).toEqual(keptBefore.filter((a) => keptIds.has(a.alertId)));
    // Every position is still there; the pruned ones hold nothing but their hash.
    expect(await prunedHistory(db)).toEqual({ n: positions, pruned: dueChanges, named: 0 });
    expect(await recordedPrunes(db)).toEqual([{ alerts: due.length, changes: dueChanges }]);

    const verified = await runCli(['audit', 'verify'], env(setup.databaseUrl));
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`intact: schema ${setup.schema.schema}, ${positions} changes (${dueChanges} pruned: position and hash only), ${kept.length} alerts`);
    // Still append-only for everyone after a prune.
    await expect(rewriteLoggedChangeUnchanged(db, positions)).rejects.toThrow(/append-only/);
  }, 120_000);
});
