import type { Millis, OptOutType, Purpose } from './records.js';
import { SEVERITY, type Rule, type Severity, type Side } from './rules.js';

export type AlertState = 'FIRING' | 'RESOLVED';
export type AlertTransition = 'FIRED' | 'ESCALATED' | 'RESOLVED';

/** One alert as it stands. No NHS number: the patient is the keyed pseudonym `patientRef`. */
export interface Alert {
  readonly alertId: string;
  readonly rule: Rule;
  readonly severity: Severity;
  readonly state: AlertState;
  readonly upstreamEventId: string | null;
  readonly receiptId: string | null;
  readonly disseminationId: string | null;
  readonly patientRef: string;
  readonly practiceOds: string;
  readonly supplier: string;
  readonly optOutType: OptOutType;
  readonly episodeStart: Millis | null;
  readonly firedAt: Millis;
  readonly escalatedAt: Millis | null;
  readonly resolvedAt: Millis | null;
  readonly resolvedBy: Side | null;
  /** Firing event time minus episode start; null for SHARED_DESPITE_OBJECTION, which has no episode. */
  readonly detectionDelayMs: Millis | null;
  /** For SHARED_DESPITE_OBJECTION: whether downstream held the objection at the share; otherwise null. */
  readonly downstreamHeldAtShare: boolean | null;
  readonly recipient: string | null;
  readonly purpose: Purpose | null;
}

/** One state change of an alert, stamped with the event time at which it happened. */
export interface AlertChange {
  readonly transition: AlertTransition;
  readonly changedAt: Millis;
  readonly alert: Alert;
}

// The legal lifecycle, as a table: FIRED from nothing; ESCALATED only from a firing OBJECTION_OVERDUE;
// RESOLVED from firing, except SHARED_DESPITE_OBJECTION, which never resolves.
const LEGAL: { readonly [T in AlertTransition]: (before: Alert | null) => boolean } = {
  FIRED: (before) => before === null,
  ESCALATED: (before) => before?.state === 'FIRING' && before.rule === 'OBJECTION_OVERDUE',
  RESOLVED: (before) => before?.state === 'FIRING' && before.rule !== 'SHARED_DESPITE_OBJECTION',
};

export class IllegalAlertTransition extends Error {
  constructor(transition: AlertTransition, before: Alert | null) {
    super(`alert ${before?.alertId ?? '(new)'}: ${transition} is not legal from ${before ? `${before.state} ${before.rule}` : 'nothing'}`);
    this.name = 'IllegalAlertTransition';
  }
}

/** Every alert is made here, with its fields always in this order, so that all alerts share one shape. */
function alertOf(a: Omit<Alert, 'state' | 'severity' | 'escalatedAt' | 'resolvedAt' | 'resolvedBy'>, rule: Rule, state: AlertState, escalatedAt: Millis | null, resolvedAt: Millis | null, resolvedBy: Side | null): Alert {
  return {
    alertId: a.alertId, rule, upstreamEventId: a.upstreamEventId, receiptId: a.receiptId, disseminationId: a.disseminationId,
    patientRef: a.patientRef, practiceOds: a.practiceOds, supplier: a.supplier, optOutType: a.optOutType, episodeStart: a.episodeStart,
    firedAt: a.firedAt, detectionDelayMs: a.detectionDelayMs, downstreamHeldAtShare: a.downstreamHeldAtShare, recipient: a.recipient,
    purpose: a.purpose, severity: SEVERITY[rule], state, escalatedAt, resolvedAt, resolvedBy,
  };
}

export function fire(alert: Omit<Alert, 'state' | 'severity' | 'escalatedAt' | 'resolvedAt' | 'resolvedBy'>): AlertChange {
  return { transition: 'FIRED', changedAt: alert.firedAt, alert: alertOf(alert, alert.rule, 'FIRING', null, null, null) };
}

export function escalate(before: Alert, at: Millis): AlertChange {
  if (!LEGAL.ESCALATED(before)) throw new IllegalAlertTransition('ESCALATED', before);
  return { transition: 'ESCALATED', changedAt: at, alert: alertOf(before, 'OBJECTION_NOT_PROPAGATED', before.state, at, before.resolvedAt, before.resolvedBy) };
}

export function resolve(before: Alert, at: Millis, by: Side): AlertChange {
  if (!LEGAL.RESOLVED(before)) throw new IllegalAlertTransition('RESOLVED', before);
  return { transition: 'RESOLVED', changedAt: at, alert: alertOf(before, before.rule, 'RESOLVED', before.escalatedAt, at, by) };
}
