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
