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
    const logged = await setup.db.query<{ n: number; last: string; head: string }>(
      `SELECT count(*)::int AS n, max(position)::text AS last, encode((SELECT hash FROM alert_log ORDER BY position DESC LIMIT 1), 'hex') AS head FROM alert_log`);
    expect(logged.rows[0]!.n).toBe(changes);
    expect(logged.rows[0]!.last).toBe(String(changes));
    // The README's recomputation in SQL alone, as an auditor without this tool would run it.
    const bySql = await setup.db.query<{ position: string; intact: boolean }>(`WITH RECURSIVE c AS (
  SELECT 0::bigint AS position, '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea AS hash
  UNION ALL
  SELECT l.position, sha256(c.hash || convert_to(l.change, 'UTF8')) FROM c JOIN alert_log l ON l.position = c.position + 1
)
SELECT c.position, c.hash = l.hash AS intact FROM c JOIN alert_log l USING (position) ORDER BY position`);
    expect(bySql.rows).toHaveLength(changes);
    expect(bySql.rows.every((r) => r.intact)).toBe(true);
    const result = await verify();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`intact: schema ${setup.schema.schema}, ${changes} changes`);
    expect(result.stdout).toContain(`head position ${changes} hash ${logged.rows[0]!.head}`);
  });

  it('refuses the runtime role any change to the history, and the database refuses illegal alert transitions', async () => {
    const refused = ['UPDATE alert_log SET change = change', 'DELETE FROM alert_log', 'TRUNCATE alert_log', 'ALTER TABLE alert_log DISABLE TRIGGER USER', 'DROP TABLE alert_log'];
    const outcomes = [];
    for (const sql of refused) outcomes.push({ sql, sqlstate: await sqlstateOf(runtime, sql) });
    expect(outcomes).toEqual(refused.map((sql) => ({ sql, sqlstate: '42501' })));

    const shared = await setup.db.query(`SELECT count(*)::int AS n FROM alerts WHERE rule = 'SHARED_DESPITE_OBJECTION'`);
    expect(shared.rows[0].n).toBeGreaterThan(0);
    const resolvedCount = await setup.db.query(`SELECT count(*)::int AS n FROM alerts WHERE state = 'RESOLVED'`);
    expect(resolvedCount.rows[0].n).toBeGreaterThan(0);
    const checkViolation = '23514';
    // A SHARED_DESPITE_OBJECTION alert never resolves; a resolved alert never fires again; only an overdue objection escalates.
    expect(await sqlstateOf(runtime, `UPDATE alerts SET state = 'RESOLVED', resolved_at = now(), resolved_by = 'UPSTREAM', last_transition = 'RESOLVED' WHERE rule = 'SHARED_DESPITE_OBJECTION'`)).toBe(checkViolation);
    expect(await sqlstateOf(runtime, `UPDATE alerts SET state = 'FIRING', resolved_at = NULL, resolved_by = NULL WHERE state = 'RESOLVED'`)).toBe(checkViolation);
    expect(await sqlstateOf(runtime, `UPDATE alerts SET rule = 'OBJECTION_OVERDUE' WHERE rule = 'SHARED_DESPITE_OBJECTION'`)).toBe(checkViolation);
    // The owner too meets the append-only trigger: changing history takes disabling it first.
    expect(await sqlstateOf(setup.db, `DELETE FROM alert_log WHERE position = 1`)).toBe(checkViolation);
    expect((await verify()).code).toBe(0);
  });

  it('names the first broken position when the owner edits, deletes or swaps a row, and an alert edited behind the history', async () => {
    const db = setup.db;
    await db.query('ALTER TABLE alert_log DISABLE TRIGGER USER');
    const row = async (position: number) => (await db.query('SELECT * FROM alert_log WHERE position = $1', [position])).rows[0];

    const third = await row(3);
    await db.query(`UPDATE alert_log SET change = replace(change, '"supplier":"', '"supplier":"X') WHERE position = 3`);
    const edited = await verify();
    expect(edited.code).toBe(1);
    expect(edited.stdout).toMatch(/BROKEN at position 3 of schema \S+: the stored hash is not SHA-256\(previous hash \|\| change\)/);
    await db.query('UPDATE alert_log SET change = $1 WHERE position = 3', [third.change]);
    expect((await verify()).code).toBe(0);

    const fourth = await row(4);
    await db.query('DELETE FROM alert_log WHERE position = 4');
    const deleted = await verify();
    expect(deleted.code).toBe(1);
    expect(deleted.stdout).toContain('BROKEN at position 4 of schema');
    expect(deleted.stdout).toContain('position 4 is missing (the next row is position 5): a row was deleted');
    await db.query('INSERT INTO alert_log (position, alert_id, transition, change, hash) VALUES ($1, $2, $3, $4, $5)', [fourth.position, fourth.alert_id, fourth.transition, fourth.change, fourth.hash]);
    expect((await verify()).code).toBe(0);

    await db.query('UPDATE alert_log SET position = 1000000000 WHERE position = 2');
    await db.query('UPDATE alert_log SET position = 2 WHERE position = 3');
    await db.query('UPDATE alert_log SET position = 3 WHERE position = 1000000000');
    const swapped = await verify();
    expect(swapped.code).toBe(1);
    expect(swapped.stdout).toContain('BROKEN at position 2 of schema');
    await db.query('UPDATE alert_log SET position = 1000000000 WHERE position = 3');
    await db.query('UPDATE alert_log SET position = 3 WHERE position = 2');
    await db.query('UPDATE alert_log SET position = 2 WHERE position = 1000000000');
    expect((await verify()).code).toBe(0);

    // An alert row changed with its history left alone.
    const target = (await db.query(`SELECT alert_id FROM alerts ORDER BY alert_id LIMIT 1`)).rows[0].alert_id as string;
    await db.query(`UPDATE alerts SET supplier = supplier || 'X' WHERE alert_id = $1`, [target]);
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
