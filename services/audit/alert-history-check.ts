// What `audit verify` concludes from the history and the alerts table, without I/O: the chain recomputed
// (alert-chain.ts), then each alert as it stands compared with the last change logged for it, so that an alert
// row edited, or a change removed from the end of the history, is seen too.
import { canonicalChange } from './alert-change-form.js';
import { ChainVerifier, type ChainVerdict, type LoggedChange } from './alert-chain.js';
import { alertChangeOfRow } from './stored-alert.js';

export interface AlertAgainstLog {
  /** The alerts row, with the columns stored-alert.ts reads. */
  readonly row: Readonly<Record<string, unknown>>;
  readonly loggedPosition: number | null;
  readonly loggedChange: string | null;
  readonly lastPosition: number | null;
}

export type AlertFinding = { readonly ok: true } | { readonly ok: false; readonly position: number | null; readonly reason: string };

export function checkAlertAgainstLog(a: AlertAgainstLog): AlertFinding {
  const alertId = String(a.row.alert_id);
  const transition = String(a.row.last_transition);
  if (a.loggedPosition === null || a.loggedChange === null) {
    return { ok: false, position: null, reason: `alert ${alertId} stands at ${transition}, which the history does not hold` };
  }
  if (a.lastPosition !== a.loggedPosition) {
    return { ok: false, position: a.lastPosition, reason: `alert ${alertId} stands at ${transition} (position ${a.loggedPosition}), but the history holds a later change of it` };
  }
  let expected: string;
  try {
    expected = canonicalChange(alertChangeOfRow(a.row));
  } catch (error) {
    return { ok: false, position: a.loggedPosition, reason: `alert ${alertId}: ${(error as Error).message}` };
  }
  if (expected !== a.loggedChange) {
    return { ok: false, position: a.loggedPosition, reason: `alert ${alertId} differs from its last logged change` };
  }
  return { ok: true };
}

export { ChainVerifier, type ChainVerdict, type LoggedChange };
