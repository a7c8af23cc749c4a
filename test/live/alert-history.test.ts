// The tamper-evident alert history and least privilege end to end: the live service, connected as the runtime role
// that `migrate` granted, decides a simulated scenario with the replay's alerts and appends every alert change to
// the hash-chained history; `optout-verifier audit verify` finds it intact, and names the first broken position
// once the owner edits, deletes or swaps a row. As the runtime role, the history cannot be changed, and the
// database itself refuses to resolve a SHARED_DESPITE_OBJECTION alert or to revive a resolved one.
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayScenario, storedAlerts } from './support/alert-views.js';
import { liveEnv, prepareLive, produce, startInProcess, type InProcessService, type LiveSetup } from './support/live-harness.js';
import { LiveProbe } from './support/live-probe.js';
import { seededRandom, shuffledOrder, simulateScenario, writeWriterSchemas } from './support/scenario.js';
import { runCli } from '../stack/cli-entry.js';
import { sqlstateOf } from './support/sqlstate.js';
import {
  chainRecomputedInSql, changingSharedDespiteObjectionRule, deleteLoggedChange, deletingLoggedChange, disableHistoryTriggers, editAlertBehindHistory,
  editLoggedChange, HISTORY_REWRITES, loggedChanges, resolvingSharedDespiteObjection, restoreLoggedChange, revivingResolved, swapPositions,
} from './support/alert-history-sql.js';
import { testStack } from '../stack/test-context.js';

const SCENARIO = ['--seed', '5', '--practices', '3', '--patients', '1200', '--days', '240', '--start', '2017-11-01', '--opt-outs-per-year', '0.5',
  '--disseminations-per-week', '2%', '--faults', 'systmone-2018,revoked-objections,unfiltered-release'];

describe('the alert history, written by the live service as its runtime role', () => {
  const stack = testStack();
  let setup: LiveSetup;
  let running: InProcessService | undefined;
  let runtime: pg.Client;
  let changes = 0;
  const verify = (schema = setup.schema.schema) => runCli(['audit', 'verify'], { DATABASE_URL: setup.databaseUrl, DB_SCHEMA: schema, ALLOW_PLAINTEXT: 'true' });

  beforeAll(async () => {
    setup = await prepareLive(stack, { partitions: 2 });
    const scenario = await simulateScenario(join(setup.dir, 'scenario'), SCENARIO);
    const replayed = await replayScenario(scenario, setup.keyFile);
    await produce(setup, shuffledOrder(scenario.messages, Infinity, seededRandom(3)));
    const writerSchemas = await writeWriterSchemas(scenario, join(setup.dir, 'writer-schemas'));
    running = await startInProcess(setup, liveEnv(setup, { ALLOWED_LATENESS: '1000d', WRITER_SCHEMAS_DIR: writerSchemas }));
    const db = setup.db;
    await new LiveProbe(setup).waitSettled(replayed.asOf, running.logFile, { timeoutMs: 90_000 });
    await running.service.stop();
    running = undefined;
    // Run as the runtime role, the service decides exactly what the replay decides.
    expect(await storedAlerts(db)).toEqual(replayed.alerts);
    changes = (await new LiveProbe(setup).progress()).outbox;
    const url = new URL(setup.databaseUrl);
    url.searchParams.set('options', `-c search_path=${setup.schema.schema}`);
    runtime = new pg.Client({ connectionString: url.toString() });
    await runtime.connect();
  });

  afterAll(async () => {
    await running?.service.stop();
    await runtime?.end().catch(() => {});
    await setup?.cleanUp();
  });

  it('holds every alert change the service made, and audit verify finds it intact', async () => {
    expect(changes).toBeGreaterThan(20);
    const logged = await loggedChanges(setup.db);
    expect(logged.n).toBe(changes);
    expect(logged.last).toBe(String(changes));
    // The README's recomputation in SQL alone, as an auditor without this tool would run it.
    const bySql = await chainRecomputedInSql(setup.db);
    expect(bySql).toHaveLength(changes);
    expect(bySql.every((r) => r.intact)).toBe(true);
    const result = await verify();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`intact: schema ${setup.schema.schema}, ${changes} changes`);
    expect(result.stdout).toContain(`head position ${changes} hash ${logged.head}`);
  });

  it('refuses the runtime role any change to the history, and the database refuses illegal alert transitions', async () => {
    const outcomes = [];
    for (const sql of HISTORY_REWRITES) outcomes.push({ sql, sqlstate: await sqlstateOf(runtime, sql) });
    expect(outcomes).toEqual(HISTORY_REWRITES.map((sql) => ({ sql, sqlstate: '42501' })));

    const alerts = await storedAlerts(setup.db);
    expect(alerts.filter((a) => a.rule === 'SHARED_DESPITE_OBJECTION').length).toBeGreaterThan(0);
    expect(alerts.filter((a) => a.state === 'RESOLVED').length).toBeGreaterThan(0);
    const checkViolation = '23514';
    // A SHARED_DESPITE_OBJECTION alert never resolves; a resolved alert never fires again; only an overdue objection escalates.
    expect(await resolvingSharedDespiteObjection(runtime)).toBe(checkViolation);
    expect(await revivingResolved(runtime)).toBe(checkViolation);
    expect(await changingSharedDespiteObjectionRule(runtime)).toBe(checkViolation);
    // The owner too meets the append-only trigger: changing history takes disabling it first.
    expect(await deletingLoggedChange(setup.db, 1)).toBe(checkViolation);
    expect((await verify()).code).toBe(0);
  });

  it('names the first broken position when the owner edits, deletes or swaps a row, and an alert edited behind the history', async () => {
    const db = setup.db;
    await disableHistoryTriggers(db);

    const third = await editLoggedChange(db, 3, (change) => change.replaceAll('"supplier":"', '"supplier":"X'));
    const edited = await verify();
    expect(edited.code).toBe(1);
    expect(edited.stdout).toMatch(/BROKEN at position 3 of schema \S+: the stored hash is not SHA-256\(previous hash \|\| change\)/);
    await editLoggedChange(db, 3, () => third);
    expect((await verify()).code).toBe(0);

    const fourth = await deleteLoggedChange(db, 4);
    const deleted = await verify();
    expect(deleted.code).toBe(1);
    expect(deleted.stdout).toContain('BROKEN at position 4 of schema');
    expect(deleted.stdout).toContain('position 4 is missing (the next row is position 5): a row was deleted');
    await restoreLoggedChange(db, fourth);
    expect((await verify()).code).toBe(0);

    await swapPositions(db, 2, 3);
    const swapped = await verify();
    expect(swapped.code).toBe(1);
    expect(swapped.stdout).toContain('BROKEN at position 2 of schema');
    await swapPositions(db, 3, 2);
    expect((await verify()).code).toBe(0);

    // An alert row changed with its history left alone.
    const target = (await storedAlerts(db))[0]!.alertId;
    await editAlertBehindHistory(db, target);
    const alertEdited = await verify();
    expect(alertEdited.code).toBe(1);
    expect(alertEdited.stdout).toContain(`alert ${target} differs from its last logged change`);
  }, 400_000);

  it('exits 2 for bad settings and 3 when the history cannot be read', async () => {
    const bad = await runCli(['audit', 'verify'], { DB_SCHEMA: 'Not A Schema' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('DATABASE_URL (--database-url) is required');
    const missing = await verify(stack.uniqueName('absent'));
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/cannot read the alert history: PostgreSQL reading the alert history: SQLSTATE 42P01/);
  });
});
