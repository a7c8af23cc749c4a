import type { Alert } from './alert.js';
import { DEAD_LETTER_REASONS, type DeadLetterReason } from './dead-letter-reason.js';
import { isoInstant } from './iso-instant.js';
import { latencyHistogram } from './latency-histogram.js';
import { summariseLatency, type LatencySummary } from './latency-summary.js';
import type { PendingEpisode } from './reconciler.js';
import { STREAM_NAMES, type Millis, type StreamName } from './records.js';

// The auditor's report (reconciliation-rules.md, "The auditor's replay"). Everything in it is ordered by
// content, never by arrival, so the same inputs give the same bytes.

export interface InputDescription {
  readonly path: string;
  readonly records: number;
  /** HMAC-SHA256 of the file under the pseudonym key (the replay's keyed input digest). */
  readonly hmacSha256: string;
}

export interface DeadLetterEntry {
  readonly input: StreamName;
  readonly position: number;
  readonly reason: DeadLetterReason;
  readonly detail: string;
}

export interface ReportInput {
  readonly asOf: Millis;
  readonly asOfSource: 'explicit' | 'latest-event-time';
  readonly slaMs: Millis;
  readonly graceMs: Millis;
  readonly inputs: { readonly [S in StreamName]: InputDescription };
  readonly alerts: readonly Alert[];
  readonly pending: readonly PendingEpisode[];
  readonly deadLetters: readonly DeadLetterEntry[];
  readonly duplicates: { readonly [S in StreamName]: number };
  readonly latencySamples: readonly Millis[];
}

const iso = (t: Millis | null): string | null => (t === null ? null : isoInstant(t));

function byFiringThenId(a: Alert, b: Alert): number {
  return a.firedAt - b.firedAt || (a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0);
}

function alertEntry(a: Alert) {
  return {
    alertId: a.alertId, rule: a.rule, severity: a.severity, state: a.state,
    upstreamEventId: a.upstreamEventId, receiptId: a.receiptId, disseminationId: a.disseminationId,
    patientRef: a.patientRef, practiceOds: a.practiceOds, supplier: a.supplier, optOutType: a.optOutType,
    episodeStart: iso(a.episodeStart), firedAt: iso(a.firedAt), escalatedAt: iso(a.escalatedAt),
    resolvedAt: iso(a.resolvedAt), resolvedBy: a.resolvedBy, detectionDelayMs: a.detectionDelayMs,
    downstreamHeldAtShare: a.downstreamHeldAtShare, recipient: a.recipient, purpose: a.purpose,
  };
}

function pendingEntry(p: PendingEpisode) {
  return {
    alertId: p.alertId, rule: p.rule, severity: p.severity,
    upstreamEventId: p.upstreamEventId, receiptId: p.receiptId, disseminationId: p.disseminationId,
    patientRef: p.patientRef, practiceOds: p.practiceOds, supplier: p.supplier, optOutType: p.optOutType,
    episodeStart: iso(p.episodeStart), dueAt: iso(p.dueAt),
  };
}

function countBy<K extends string>(keys: readonly K[], values: readonly K[]): Record<K, number> {
  const counts = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const v of values) counts[v]++;
  return counts;
}

export function buildReport(input: ReportInput) {
  const alerts = [...input.alerts].sort(byFiringThenId);
  const pending = [...input.pending].sort((a, b) => a.dueAt - b.dueAt || (a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0));
  const streamOrder = (s: StreamName) => STREAM_NAMES.indexOf(s);
  const deadLetters = [...input.deadLetters].sort((a, b) => streamOrder(a.input) - streamOrder(b.input) || a.position - b.position);
  const latency: LatencySummary = summariseLatency(input.latencySamples);
  return {
    reportVersion: 1,
    asOf: iso(input.asOf),
    asOfSource: input.asOfSource,
    parameters: { slaMs: input.slaMs, graceMs: input.graceMs },
    inputs: Object.fromEntries(STREAM_NAMES.map((s) => [s, { ...input.inputs[s] }])),
    alerts: alerts.map(alertEntry),
    pending: pending.map(pendingEntry),
    deadLetters: {
      count: deadLetters.length,
      byReason: countBy(DEAD_LETTER_REASONS, deadLetters.map((d) => d.reason)),
      byInput: countBy(STREAM_NAMES, deadLetters.map((d) => d.input)),
      records: deadLetters.map((d) => ({ input: d.input, position: d.position, reason: d.reason, detail: d.detail })),
    },
    duplicates: { count: STREAM_NAMES.reduce((n, s) => n + input.duplicates[s], 0), byInput: { ...input.duplicates } },
    propagationLatency: latency,
    propagationLatencyHistogram: latencyHistogram(input.latencySamples),
  };
}

export type Report = ReturnType<typeof buildReport>;

export function renderReport(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
