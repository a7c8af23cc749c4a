// The statements `audit verify` reads the alert history with, built as { text, values } like the live service's.
import { STORED_ALERT_SELECT } from '../../audit/stored-alert.js';
import type { Sql } from './state-queries.js';

/** The next page of the history after a position, in position order. */
export function alertLogPage(afterPosition: number, limit: number): Sql {
  return {
    text: `SELECT position, alert_id, transition, change, hash FROM alert_log WHERE position > $1 ORDER BY position LIMIT $2`,
    values: [afterPosition, limit],
  };
}

/**
 * The next page of alerts after an id, each with the logged change its last_transition names and the last
 * position logged for it.
 */
export function alertsWithLastChange(afterAlertId: string | null, limit: number): Sql {
  return {
    text: `SELECT a.*, l.position AS logged_position, l.change AS logged_change,
  (SELECT max(m.position) FROM alert_log m WHERE m.alert_id = a.alert_id) AS last_position
FROM (SELECT ${STORED_ALERT_SELECT} FROM alerts WHERE $1::text IS NULL OR alert_id > $1 ORDER BY alert_id LIMIT $2) a
LEFT JOIN alert_log l ON l.alert_id = a.alert_id AND l.transition = a.last_transition
ORDER BY a.alert_id`,
    values: [afterAlertId, limit],
  };
}

/**
 * Prunes the history of alerts resolved before a time, as the schema's owner, in the caller's transaction: each of
 * their changes keeps its position and hash only (migration 006), then the alerts and their sent messages go. An
 * alert with a message not yet sent is left for a later prune. The append-only trigger is set aside for this
 * statement's transaction only (ALTER TABLE is transactional, and holds the table's lock until the commit).
 */
export function pruneResolvedHistory(resolvedBefore: number): Sql[] {
  return [
    { text: `LOCK TABLE alerts, alert_outbox, alert_log IN SHARE ROW EXCLUSIVE MODE`, values: [] },
    {
      text: `CREATE TEMPORARY TABLE pruned_alerts ON COMMIT DROP AS
SELECT a.alert_id FROM alerts a
WHERE a.state = 'RESOLVED' AND a.resolved_at < to_timestamp($1::bigint / 1000.0)
  AND NOT EXISTS (SELECT 1 FROM alert_outbox o WHERE o.alert_id = a.alert_id AND o.sent_at IS NULL)`,
      values: [resolvedBefore],
    },
    { text: `ALTER TABLE alert_log DISABLE TRIGGER alert_log_append_only`, values: [] },
    {
      text: `UPDATE alert_log SET alert_id = NULL, transition = NULL, change = NULL, pruned_at = now()
WHERE alert_id IN (SELECT alert_id FROM pruned_alerts)`,
      values: [],
    },
    { text: `ALTER TABLE alert_log ENABLE TRIGGER alert_log_append_only`, values: [] },
    { text: `DELETE FROM alert_outbox WHERE alert_id IN (SELECT alert_id FROM pruned_alerts)`, values: [] },
    { text: `DELETE FROM alerts WHERE alert_id IN (SELECT alert_id FROM pruned_alerts)`, values: [] },
    {
      text: `INSERT INTO alert_log_prunes (resolved_before, alerts, changes)
SELECT to_timestamp($1::bigint / 1000.0), (SELECT count(*) FROM pruned_alerts), (SELECT count(*) FROM alert_log WHERE pruned_at = now())
RETURNING alerts, changes`,
      values: [resolvedBefore],
    },
  ];
}

/** The decider's stream time (epoch ms; null before its first round). */
export const STREAM_TIME: Sql = { text: `SELECT stream_time_ms FROM decider_state`, values: [] };
