// The hash-chained alert history (alert_log) as a live test reads it, recomputes it and tampers with it as the
// schema's owner, and the statements the database must refuse: the SQL of the alert history's and pruning's tests.
import type pg from 'pg';
import { sqlstateOf } from './sqlstate.js';

/** A row of alert_log as stored; a pruned row keeps only its position and hash. */
export interface LoggedChange {
  readonly position: string;
  readonly alert_id: string | null;
  readonly transition: string | null;
  readonly change: string | null;
  readonly hash: Buffer;
}

/** How many changes the history holds, its last position, and the hash at its head (hex). */
export async function loggedChanges(db: pg.Client): Promise<{ n: number; last: string; head: string }> {
  const { rows } = await db.query<{ n: number; last: string; head: string }>(
    `SELECT count(*)::int AS n, max(position)::text AS last, encode((SELECT hash FROM alert_log ORDER BY position DESC LIMIT 1), 'hex') AS head FROM alert_log`);
  return rows[0]!;
}

/** Per position, whether the README's recomputation of the chain in SQL alone, as an auditor without this tool would run it, gives the stored hash. */
export async function chainRecomputedInSql(db: pg.Client): Promise<{ position: string; intact: boolean }[]> {
  const { rows } = await db.query<{ position: string; intact: boolean }>(`WITH RECURSIVE c AS (
  SELECT 0::bigint AS position, '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea AS hash
  UNION ALL
  SELECT l.position, sha256(c.hash || convert_to(l.change, 'UTF8')) FROM c JOIN alert_log l ON l.position = c.position + 1
)
SELECT c.position, c.hash = l.hash AS intact FROM c JOIN alert_log l USING (position) ORDER BY position`);
  return rows;
}

/** Statements that would rewrite, empty or remove the history, or set its triggers aside. */
export const HISTORY_REWRITES: readonly string[] = [
  'UPDATE alert_log SET change = change', 'DELETE FROM alert_log', 'TRUNCATE alert_log', 'ALTER TABLE alert_log DISABLE TRIGGER USER', 'DROP TABLE alert_log',
];

/** The SQLSTATE of resolving every SHARED_DESPITE_OBJECTION alert, which never resolves. */
export function resolvingSharedDespiteObjection(db: pg.Client): Promise<string | null> {
  return sqlstateOf(db, `UPDATE alerts SET state = 'RESOLVED', resolved_at = now(), resolved_by = 'UPSTREAM', last_transition = 'RESOLVED' WHERE rule = 'SHARED_DESPITE_OBJECTION'`);
}

/** The SQLSTATE of setting every resolved alert firing again. */
export function revivingResolved(db: pg.Client): Promise<string | null> {
  return sqlstateOf(db, `UPDATE alerts SET state = 'FIRING', resolved_at = NULL, resolved_by = NULL WHERE state = 'RESOLVED'`);
}

/** The SQLSTATE of turning every SHARED_DESPITE_OBJECTION alert into an OBJECTION_OVERDUE one. */
export function changingSharedDespiteObjectionRule(db: pg.Client): Promise<string | null> {
  return sqlstateOf(db, `UPDATE alerts SET rule = 'OBJECTION_OVERDUE' WHERE rule = 'SHARED_DESPITE_OBJECTION'`);
}

/** The SQLSTATE of deleting the logged change at `position` with the history's triggers in place. */
export function deletingLoggedChange(db: pg.Client, position: number): Promise<string | null> {
  return sqlstateOf(db, `DELETE FROM alert_log WHERE position = ${position}`);
}

/** Sets the history's append-only triggers aside, as an owner tampering with it would. */
export async function disableHistoryTriggers(db: pg.Client): Promise<void> {
  await db.query('ALTER TABLE alert_log DISABLE TRIGGER USER');
}

/** Replaces the change logged at `position` with `edit` of it; returns the change it replaced. */
export async function editLoggedChange(db: pg.Client, position: number, edit: (change: string) => string): Promise<string> {
  const { rows } = await db.query<{ change: string }>('SELECT change FROM alert_log WHERE position = $1', [position]);
  const change = rows[0]!.change;
  await db.query('UPDATE alert_log SET change = $1 WHERE position = $2', [edit(change), position]);
  return change;
}

/** Deletes the row at `position`; returns it, for restoreLoggedChange. */
export async function deleteLoggedChange(db: pg.Client, position: number): Promise<LoggedChange> {
  const { rows } = await db.query<LoggedChange>('DELETE FROM alert_log WHERE position = $1 RETURNING *', [position]);
  return rows[0]!;
}

/** Puts a deleted row back as it was. */
export async function restoreLoggedChange(db: pg.Client, row: LoggedChange): Promise<void> {
  await db.query('INSERT INTO alert_log (position, alert_id, transition, change, hash) VALUES ($1, $2, $3, $4, $5)', [row.position, row.alert_id, row.transition, row.change, row.hash]);
}

/** Moves the row at position `a` to `b` and the one at `b` to `a`, through a position the history never reaches. */
export async function swapPositions(db: pg.Client, a: number, b: number): Promise<void> {
  const aside = 1_000_000_000;
  await db.query('UPDATE alert_log SET position = $1 WHERE position = $2', [aside, a]);
  await db.query('UPDATE alert_log SET position = $1 WHERE position = $2', [a, b]);
  await db.query('UPDATE alert_log SET position = $1 WHERE position = $2', [b, aside]);
}

/** Changes an alert's supplier while leaving its logged changes alone. */
export async function editAlertBehindHistory(db: pg.Client, alertId: string): Promise<void> {
  await db.query(`UPDATE alerts SET supplier = supplier || 'X' WHERE alert_id = $1`, [alertId]);
}

/** The ids of the alerts resolved before `before` (epoch ms), which a prune removes, sorted. */
export async function alertsDueForPruning(db: pg.Client, before: number): Promise<string[]> {
  const { rows } = await db.query<{ alert_id: string }>(
    `SELECT alert_id FROM alerts WHERE state = 'RESOLVED' AND resolved_at < to_timestamp($1 / 1000.0) ORDER BY alert_id`, [before]);
  return rows.map((r) => r.alert_id);
}

/** The ids of every other alert, which a prune keeps, sorted. */
export async function alertsKeptByPruning(db: pg.Client, before: number): Promise<string[]> {
  const { rows } = await db.query<{ alert_id: string }>(
    `SELECT alert_id FROM alerts WHERE NOT (state = 'RESOLVED' AND resolved_at < to_timestamp($1 / 1000.0)) ORDER BY alert_id`, [before]);
  return rows.map((r) => r.alert_id);
}

/** How many changes the history holds for these alerts. */
export async function changesLoggedFor(db: pg.Client, alertIds: readonly string[]): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM alert_log WHERE alert_id = ANY($1::text[])', [alertIds]);
  return rows[0]!.n;
}

/** Rows in the history, rows pruned, and pruned rows still naming an alert or holding a change (none should). */
export async function prunedHistory(db: pg.Client): Promise<{ n: number; pruned: number; named: number }> {
  const { rows } = await db.query<{ n: number; pruned: number; named: number }>(`SELECT count(*)::int AS n, count(pruned_at)::int AS pruned,
      count(*) FILTER (WHERE pruned_at IS NOT NULL AND (alert_id IS NOT NULL OR change IS NOT NULL))::int AS named FROM alert_log`);
  return rows[0]!;
}

/** Each prune recorded: how many alerts and changes it removed. */
export async function recordedPrunes(db: pg.Client): Promise<{ alerts: number; changes: number }[]> {
  const { rows } = await db.query<{ alerts: number; changes: number }>('SELECT alerts, changes FROM alert_log_prunes');
  return rows;
}

/** Rewrites the change at `position` with itself: no change at all, which the append-only trigger refuses all the same. */
export async function rewriteLoggedChangeUnchanged(db: pg.Client, position: number): Promise<void> {
  await db.query('UPDATE alert_log SET change = change WHERE position = $1', [position]);
}
