// An alert row of the live state as the change that last wrote it: the alerts table holds each alert as it stands
// after its last change (last_transition), so that change can be rebuilt from the row alone, and its canonical form
// compared with the one the alert history logged. Pure: the select list is here, the reading elsewhere.
import type { Alert, AlertChange, AlertTransition } from '../core/alert.js';

const ms = (column: string): string => `(extract(epoch FROM ${column}) * 1000)::bigint AS ${column}`;

/** Columns of `alerts` as the row mapping below reads them: times as epoch milliseconds. */
export const STORED_ALERT_SELECT = [
  'alert_id', 'rule', 'severity', 'state', 'upstream_event_id', 'receipt_id', 'dissemination_id', 'patient_ref', 'practice_ods', 'supplier',
  'opt_out_type', ms('episode_start'), ms('fired_at'), ms('escalated_at'), ms('resolved_at'), 'resolved_by', 'detection_delay_ms',
  'downstream_held_at_share', 'recipient', 'purpose', 'last_transition',
].join(', ');

const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

export function alertChangeOfRow(row: Readonly<Record<string, unknown>>): AlertChange {
  const alert = {
    alertId: String(row.alert_id), rule: row.rule, severity: row.severity, state: row.state,
    upstreamEventId: text(row.upstream_event_id), receiptId: text(row.receipt_id), disseminationId: text(row.dissemination_id),
    patientRef: String(row.patient_ref), practiceOds: String(row.practice_ods), supplier: String(row.supplier), optOutType: row.opt_out_type,
    episodeStart: num(row.episode_start), firedAt: num(row.fired_at)!, escalatedAt: num(row.escalated_at), resolvedAt: num(row.resolved_at),
    resolvedBy: row.resolved_by ?? null, detectionDelayMs: num(row.detection_delay_ms),
    downstreamHeldAtShare: row.downstream_held_at_share === null || row.downstream_held_at_share === undefined ? null : Boolean(row.downstream_held_at_share),
    recipient: text(row.recipient), purpose: row.purpose ?? null,
  } as Alert;
  const transition = row.last_transition as AlertTransition;
  // What each transition stamps: firing its firedAt, escalation its escalatedAt, resolution its resolvedAt.
  const changedAt = transition === 'RESOLVED' ? alert.resolvedAt : transition === 'ESCALATED' ? alert.escalatedAt : alert.firedAt;
  return { transition, changedAt: changedAt ?? alert.firedAt, alert };
}
