// Migration 005's step: alerts stored before the alert history existed enter it as their current state, one
// change each (the change that last wrote the row), in the order they were last updated, so the chain covers
// every alert the schema holds from the start. The canonical form is computed here, by the code the decider uses.
import { canonicalChange } from '../../audit/alert-change-form.js';
import { alertChangeOfRow, STORED_ALERT_SELECT } from '../../audit/stored-alert.js';
import type { Sql } from './state-queries.js';

export function storedAlertsByUpdate(): Sql {
  return { text: `SELECT ${STORED_ALERT_SELECT} FROM alerts ORDER BY updated_at, alert_id`, values: [] };
}

export function appendToAlertLog(alertIds: readonly string[], transitions: readonly string[], changes: readonly string[]): Sql {
  return {
    text: `INSERT INTO alert_log (alert_id, transition, change)
SELECT l.alert_id, l.transition, l.change FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS l(alert_id, transition, change, n)
ORDER BY l.n`,
    values: [alertIds, transitions, changes],
  };
}

/** The step's work (migration-steps.ts names it): given the migration's query function. */
export async function logStoredAlerts(context: { query<R>(sql: Sql): Promise<R[]> }): Promise<void> {
  const rows = await context.query<Record<string, unknown>>(storedAlertsByUpdate());
  if (rows.length === 0) return;
  const changes = rows.map(alertChangeOfRow);
  await context.query(appendToAlertLog(changes.map((c) => c.alert.alertId), changes.map((c) => c.transition), changes.map(canonicalChange)));
}
