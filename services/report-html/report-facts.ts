import { latencyHistogram, type LatencyBucket } from '../core/latency-histogram.js';
import { summariseLatency, type LatencySummary } from '../core/latency-summary.js';
import { RULES, type Rule } from '../core/rules.js';
import type { AuditReport } from '../replay/audit-report.js';
import { weekStart } from './utc-week.js';

// What the page says, computed from the report alone: counts in patients, practices, suppliers, recipients
// and purposes, the timeline's weeks, and the tables' rows. Pure: no clock, no I/O.

type ReportAlert = AuditReport['alerts'][number];

/** A fault the simulator injected, as scenario.json describes it. */
export interface ScenarioFault {
  readonly profile: string;
  readonly what?: string;
  readonly supplier?: string | null;
  readonly from?: string | null;
  readonly to?: string | null;
}

export interface WeekBar {
  readonly week: number;
  readonly opened: ReadonlyMap<string, number>;
  readonly resolved: ReadonlyMap<string, number>;
}

export interface SupplierRow { readonly supplier: string; readonly practices: number; readonly open: number; readonly resolved: number; readonly critical: number; readonly patients: number }
export interface PracticeRow { readonly practiceOds: string; readonly supplier: string; readonly open: number; readonly resolved: number; readonly critical: number; readonly patients: number }
export interface ReleaseRow { readonly recipient: string; readonly purpose: string; readonly releases: number; readonly patients: number; readonly notHeld: number; readonly first: number; readonly last: number }
export interface RuleRow { readonly rule: Rule; readonly alerts: number; readonly open: number; readonly patients: number }

export interface OldestOpen {
  readonly alert: ReportAlert;
  readonly since: number;
  readonly ageMs: number;
}

export interface ReportFacts {
  readonly asOf: number | null;
  readonly alerts: number;
  readonly patients: number;
  readonly practices: number;
  readonly suppliers: readonly string[];
  readonly open: number;
  readonly resolved: number;
  readonly pending: number;
  readonly rules: readonly RuleRow[];
  readonly releases: { readonly count: number; readonly patients: number; readonly recipients: number; readonly purposes: readonly string[]; readonly notHeld: number };
  readonly oldestOpen: OldestOpen | null;
  readonly detection: LatencySummary;
  readonly detectionHistogram: readonly LatencyBucket[];
  readonly weeks: readonly WeekBar[];
  readonly bySupplier: readonly SupplierRow[];
  readonly byPractice: readonly PracticeRow[];
  readonly byRelease: readonly ReleaseRow[];
  readonly faultWindows: readonly (ScenarioFault & { readonly fromMs: number; readonly toMs: number })[];
  readonly firstAlertAfterFault: { readonly fault: ScenarioFault; readonly alert: ReportAlert; readonly afterMs: number } | null;
}

const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const patientsOf = (alerts: readonly ReportAlert[]) => new Set(alerts.map((a) => a.patientRef)).size;
const openOf = (alerts: readonly ReportAlert[]) => alerts.filter((a) => a.state === 'FIRING').length;

function weeksOf(alerts: readonly ReportAlert[]): WeekBar[] {
  const weeks = new Map<number, { opened: Map<string, number>; resolved: Map<string, number> }>();
  const add = (at: number, supplier: string, which: 'opened' | 'resolved') => {
    const week = weekStart(at);
    let bar = weeks.get(week);
    if (!bar) weeks.set(week, (bar = { opened: new Map(), resolved: new Map() }));
    bar[which].set(supplier, (bar[which].get(supplier) ?? 0) + 1);
  };
  for (const a of alerts) {
    add(ms(a.firedAt)!, a.supplier, 'opened');
    const resolvedAt = ms(a.resolvedAt);
    if (resolvedAt !== null) add(resolvedAt, a.supplier, 'resolved');
  }
  return [...weeks].sort((x, y) => x[0] - y[0]).map(([week, bar]) => ({ week, ...bar }));
}

function oldestOpenOf(alerts: readonly ReportAlert[], asOf: number | null): OldestOpen | null {
  let oldest: OldestOpen | null = null;
  for (const a of alerts) {
    if (a.state !== 'FIRING') continue;
    const since = ms(a.episodeStart) ?? ms(a.firedAt)!;
    if (oldest === null || since < oldest.since || (since === oldest.since && a.alertId < oldest.alert.alertId)) oldest = { alert: a, since, ageMs: asOf === null ? 0 : asOf - since };
  }
  return oldest;
}

export function reportFacts(report: AuditReport, faults: readonly ScenarioFault[]): ReportFacts {
  const alerts = report.alerts;
  const asOf = ms(report.asOf);
  const shares = alerts.filter((a) => a.rule === 'SHARED_DESPITE_OBJECTION');
  const delays = alerts.flatMap((a) => (a.detectionDelayMs === null ? [] : [a.detectionDelayMs]));
  const practices = groupBy(alerts, (a) => `${a.practiceOds}\u0000${a.supplier}`);
  const faultWindows = faults.flatMap((f) => {
    const fromMs = f.from ? Date.parse(f.from) : NaN;
    const toMs = f.to ? Date.parse(f.to) : NaN;
    return f.supplier && Number.isFinite(fromMs) && Number.isFinite(toMs) ? [{ ...f, fromMs, toMs }] : [];
  });
  let firstAlertAfterFault: ReportFacts['firstAlertAfterFault'] = null;
  for (const window of faultWindows) {
    const first = alerts.find((a) => a.supplier === window.supplier && ms(a.firedAt)! >= window.fromMs);
    if (first && (firstAlertAfterFault === null || ms(first.firedAt)! < ms(firstAlertAfterFault.alert.firedAt)!)) {
      firstAlertAfterFault = { fault: window, alert: first, afterMs: ms(first.firedAt)! - window.fromMs };
    }
  }
  return {
    asOf,
    alerts: alerts.length,
    patients: patientsOf(alerts),
    practices: new Set(alerts.map((a) => a.practiceOds)).size,
    suppliers: [...new Set(alerts.map((a) => a.supplier))].sort(byText),
    open: openOf(alerts),
    resolved: alerts.length - openOf(alerts),
    pending: report.pending.length,
    rules: RULES.map((rule) => {
      const of = alerts.filter((a) => a.rule === rule);
      return { rule, alerts: of.length, open: openOf(of), patients: patientsOf(of) };
    }).filter((r) => r.alerts > 0),
    releases: {
      count: shares.length,
      patients: patientsOf(shares),
      recipients: new Set(shares.map((a) => a.recipient)).size,
      purposes: [...new Set(shares.map((a) => a.purpose ?? ''))].sort(byText),
      notHeld: shares.filter((a) => a.downstreamHeldAtShare === false).length,
    },
    oldestOpen: oldestOpenOf(alerts, asOf),
    detection: summariseLatency(delays),
    detectionHistogram: latencyHistogram(delays),
    weeks: weeksOf(alerts),
    bySupplier: [...groupBy(alerts, (a) => a.supplier)].map(([supplier, of]) => ({
      supplier, practices: new Set(of.map((a) => a.practiceOds)).size, open: openOf(of), resolved: of.length - openOf(of),
      critical: of.filter((a) => a.severity === 'critical').length, patients: patientsOf(of),
    })).sort((x, y) => y.critical - x.critical || byText(x.supplier, y.supplier)),
    byPractice: [...practices.values()].map((of) => ({
      practiceOds: of[0]!.practiceOds, supplier: of[0]!.supplier, open: openOf(of), resolved: of.length - openOf(of),
      critical: of.filter((a) => a.severity === 'critical').length, patients: patientsOf(of),
    })).sort((x, y) => y.critical - x.critical || byText(x.practiceOds, y.practiceOds)),
    byRelease: [...groupBy(shares, (a) => `${a.recipient ?? ''}\u0000${a.purpose ?? ''}`).values()].map((of) => {
      const times = of.map((a) => ms(a.firedAt)!);
      return {
        recipient: of[0]!.recipient ?? '', purpose: of[0]!.purpose ?? '', releases: of.length, patients: patientsOf(of),
        notHeld: of.filter((a) => a.downstreamHeldAtShare === false).length,
        first: times.reduce((m, t) => Math.min(m, t), Infinity), last: times.reduce((m, t) => Math.max(m, t), -Infinity),
      };
    }).sort((x, y) => y.releases - x.releases || byText(x.recipient, y.recipient) || byText(x.purpose, y.purpose)),
    faultWindows,
    firstAlertAfterFault,
  };
}
