import { summariseLatency } from '../core/latency-summary.js';
import type { Report } from '../core/replay-report.js';
import { RULES, SEVERITY } from '../core/rules.js';

// The human summary a replay prints: what fired, where, and how soon. Built from the report alone, so it
// carries nothing the report does not (no NHS numbers; the report has none).

const num = (n: number) => n.toLocaleString('en-GB');

export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  const units: [number, string][] = [[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'm'], [1_000, 's']];
  for (const [size, unit] of units) {
    // Whole hours read better than fractional days below three days (72h, the default SLA, stays 72h).
    if (unit === 'd' && ms <= 3 * size) continue;
    if (Math.abs(ms) >= size) return `${+(ms / size).toFixed(1)}${unit}`;
  }
  return `${ms}ms`;
}

function top(counts: Map<string, number>, n: number): [string, number][] {
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
}

export function formatSummary(report: Report, reportPath: string): string {
  const lines: string[] = [];
  lines.push(`optout-verifier replay: as of ${report.asOf ?? '(no valid records)'} (${report.asOfSource === 'explicit' ? '--as-of' : 'latest event time'}), sla ${formatDuration(report.parameters.slaMs)}, grace ${formatDuration(report.parameters.graceMs)}`);
  for (const [name, input] of Object.entries(report.inputs)) {
    const dead = report.deadLetters.byInput[name as keyof typeof report.deadLetters.byInput];
    const dup = report.duplicates.byInput[name as keyof typeof report.duplicates.byInput];
    lines.push(`  ${name.padEnd(18)} ${num(input.records).padStart(12)} records  ${num(dead).padStart(7)} dead letters  ${num(dup).padStart(7)} duplicates`);
  }
  const alerts = report.alerts;
  const firing = alerts.filter((a) => a.state === 'FIRING').length;
  const patients = new Set(alerts.map((a) => a.patientRef)).size;
  lines.push('', `alerts: ${num(alerts.length)} concerning ${num(patients)} patient${patients === 1 ? '' : 's'} (${num(firing)} firing, ${num(alerts.length - firing)} resolved); pending episodes: ${num(report.pending.length)}`);
  const shares = alerts.filter((a) => a.rule === 'SHARED_DESPITE_OBJECTION');
  if (shares.length > 0) {
    const sharedPatients = new Set(shares.map((a) => a.patientRef)).size;
    const recipients = new Set(shares.map((a) => a.recipient)).size;
    lines.push(`releases despite an objection: ${num(shares.length)} concerning ${num(sharedPatients)} patient${sharedPatients === 1 ? '' : 's'}, to ${num(recipients)} recipient${recipients === 1 ? '' : 's'}`);
  }
  for (const rule of RULES) {
    const of = alerts.filter((a) => a.rule === rule);
    if (of.length === 0) continue;
    const f = of.filter((a) => a.state === 'FIRING').length;
    lines.push(`  ${rule.padEnd(30)} ${SEVERITY[rule].padEnd(8)} ${num(of.length).padStart(9)}  (${num(f)} firing, ${num(of.length - f)} resolved)`);
  }
  const critical = alerts.filter((a) => a.severity === 'critical');
  if (critical.length > 0) {
    const bySupplier = new Map<string, number>();
    const byPractice = new Map<string, number>();
    for (const a of critical) {
      bySupplier.set(a.supplier, (bySupplier.get(a.supplier) ?? 0) + 1);
      const p = `${a.practiceOds} (${a.supplier})`;
      byPractice.set(p, (byPractice.get(p) ?? 0) + 1);
    }
    lines.push('', `worst suppliers (critical alerts): ${top(bySupplier, 4).map(([s, n]) => `${s} ${num(n)}`).join(', ')}`);
    lines.push(`worst practices (critical alerts): ${top(byPractice, 5).map(([p, n]) => `${p} ${num(n)}`).join(', ')}`);
  }
  const delays = alerts.flatMap((a) => (a.detectionDelayMs === null ? [] : [a.detectionDelayMs]));
  if (delays.length > 0) {
    const d = summariseLatency(delays);
    lines.push(`detection delay after episode start: p50 ${formatDuration(d.p50)}, p95 ${formatDuration(d.p95)}, max ${formatDuration(d.max)}`);
  }
  const l = report.propagationLatency;
  lines.push(`propagation latency (${num(l.count)} objections and withdrawals that arrived): p50 ${formatDuration(l.p50)}, p95 ${formatDuration(l.p95)}, p99 ${formatDuration(l.p99)}, max ${formatDuration(l.max)}`);
  if (report.deadLetters.count > 0) {
    const reasons = Object.entries(report.deadLetters.byReason).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${num(n)}`);
    lines.push(`dead letters: ${reasons.join(', ')}`);
  }
  lines.push('', `report: ${reportPath}`);
  return `${lines.join('\n')}\n`;
}
