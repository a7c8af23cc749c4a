import type { Rule } from '../core/rules.js';
import type { AuditReport } from '../replay/audit-report.js';
import { histogramChart } from './histogram-chart.js';
import { count, esc } from './html-escape.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './page-assets.js';
import { plainDuration } from './plain-duration.js';
import { reportFacts, type PracticeRow, type ReleaseRow, type ReportFacts, type ScenarioFault, type SupplierRow } from './report-facts.js';
import { sortableTable, type Column } from './sortable-table.js';
import { supplierColours } from './supplier-colours.js';
import { timelineChart } from './timeline-chart.js';

// The auditor's report as one self-contained HTML page, rendered from the JSON report (and, when known, the
// simulator's fault windows). Pure: the generation time is passed in, and every string is escaped.

export interface PageInput {
  readonly report: AuditReport;
  readonly faults: readonly ScenarioFault[];
  /** When the page was made (ISO-8601); shown in the footer, never in the JSON report. */
  readonly generatedAt: string;
}

type ReportAlert = AuditReport['alerts'][number];

const day = (t: number | string | null) => (t === null ? '' : new Date(t).toISOString().slice(0, 10));
const strong = (n: number, what: string) => `<strong data-count="${esc(what)}">${count(n)}</strong>`;
const plural = (n: number, one: string, many = `${one}s`) => (n === 1 ? one : many);
const list = (items: readonly string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);

/** What each rule's alerts say, for a reader who is not an engineer (docs/alerts.md). */
const RULE_SENTENCE: { readonly [R in Rule]: (n: string, open: string, patients: string) => string } = {
  OBJECTION_NOT_PROPAGATED: (n, open, p) => `${n} objections recorded at the practice were missing from a complete extract the national data service then received (${p}); ${open} still missing at the report date.`,
  OBJECTION_OVERDUE: (n, open, p) => `${n} objections took longer than allowed to reach the national data service, before any complete extract showed them missing (${p}); ${open} still overdue.`,
  WITHDRAWAL_NOT_PROPAGATED: (n, open, p) => `${n} withdrawn objections did not reach the national data service in time (${p}); ${open} still not applied.`,
  UNKNOWN_DOWNSTREAM_OBJECTION: (n, open, p) => `${n} objections held by the national data service are not in the patient's GP record (${p}); ${open} still unexplained.`,
  OBJECTION_REVOKED_DOWNSTREAM: (n, open, p) => `${n} objections were dropped by the national data service while the GP record still holds them (${p}); ${open} still dropped.`,
  SHARED_DESPITE_OBJECTION: (n, _open, p) => `${n} releases for purposes other than direct care went ahead despite an objection (${p}).`,
};

function summary(report: AuditReport, facts: ReportFacts): string {
  const lines: string[] = [];
  if (facts.alerts === 0) {
    lines.push(`<p class="headline">No alert: the GP records and the national data service agreed on every opt-out, and no release went against an objection.</p>`);
  } else {
    lines.push(`<p class="headline">${strong(facts.alerts, 'alerts')} ${plural(facts.alerts, 'alert concerns', 'alerts concern')} ${strong(facts.patients, 'patients')} ${plural(facts.patients, 'patient')}, at ${strong(facts.practices, 'practices')} GP ${plural(facts.practices, 'practice')} using ${strong(facts.suppliers.length, 'suppliers')} GP system ${plural(facts.suppliers.length, 'supplier')} (${esc(list(facts.suppliers))}).</p>`);
    lines.push(`<p>${count(facts.open)} ${plural(facts.open, 'is', 'are')} still open at the report date and ${count(facts.resolved)} ${plural(facts.resolved, 'has', 'have')} been resolved.${facts.pending > 0 ? ` ${count(facts.pending)} further ${plural(facts.pending, 'disagreement was', 'disagreements were')} still within the time allowed.` : ''}</p>`);
  }
  const r = facts.releases;
  if (r.count > 0) {
    lines.push(`<p>${strong(r.count, 'releases')} ${plural(r.count, 'release', 'releases')} of patients' data for purposes other than their direct care went ahead despite the patient's recorded objection: ${strong(r.patients, 'release-patients')} ${plural(r.patients, 'patient')}, ${strong(r.recipients, 'recipients')} ${plural(r.recipients, 'recipient')}, for ${esc(list(r.purposes.map((p) => p.toLowerCase().replace('_', ' '))))}. For ${count(r.notHeld)} of them the national data service did not hold the objection at the time.</p>`);
  }
  const ruleLines = facts.rules.filter((row) => row.rule !== 'SHARED_DESPITE_OBJECTION').map((row) => `<li>${RULE_SENTENCE[row.rule](count(row.alerts), count(row.open), `${count(row.patients)} ${plural(row.patients, 'patient')}`)}</li>`);
  if (ruleLines.length > 0) lines.push(`<ul>${ruleLines.join('')}</ul>`);
  const old = facts.oldestOpen;
  if (old !== null) {
    const a = old.alert;
    lines.push(`<p>The oldest unresolved case began on <strong>${day(old.since)}</strong>, ${esc(plainDuration(old.ageMs))} before the report date: ${esc(a.rule === 'SHARED_DESPITE_OBJECTION' ? 'a release despite an objection' : a.rule.toLowerCase().replaceAll('_', ' '))}, practice ${esc(a.practiceOds)} (${esc(a.supplier)}), patient reference <span class="ref">${esc(a.patientRef.slice(0, 12))}…</span>.</p>`);
  }
  const d = facts.detection;
  if (d.count > 0) {
    lines.push(`<p>How long detection took: from the moment the GP record and the national data service began to disagree, half of the alerts were raised within <strong>${esc(plainDuration(d.p50!))}</strong> and all within <strong>${esc(plainDuration(d.max!))}</strong>.</p>`);
  }
  const ff = facts.firstAlertAfterFault;
  if (ff !== null) {
    lines.push(`<p>The simulated fault <em>${esc(ff.fault.profile)}</em> at ${esc(ff.fault.supplier ?? '')} began on ${day(ff.fault.from ?? null)}; the first alert at that supplier came ${esc(plainDuration(ff.afterMs))} later, on ${day(ff.alert.firedAt)}.</p>`);
  }
  const decided = new Set(report.unverifiedCodes.decidedAlerts.map((x) => x.alertId)).size;
  const warnings: string[] = [];
  if (decided > 0) warnings.push(`<p>${count(decided)} ${plural(decided, 'alert rests', 'alerts rest')} on a clinical code whose meaning no published source confirms (${esc(list([...new Set(report.unverifiedCodes.decidedAlerts.map((x) => x.code))].sort()))}). Confirm the code before acting on ${plural(decided, 'it', 'them')}.</p>`);
  if (report.deadLetters.count > 0) warnings.push(`<p>${count(report.deadLetters.count)} input ${plural(report.deadLetters.count, 'record', 'records')} could not be used (unreadable or invalid) and took no part; see "Records set aside".</p>`);
  return `<section class="summary" id="summary"><h2>What the verifier found</h2>${lines.join('\n')}</section>${warnings.length > 0 ? `<div class="warning">${warnings.join('')}</div>` : ''}`;
}

const supplierColumns: readonly Column<SupplierRow>[] = [
  { heading: 'Supplier', text: (r) => r.supplier },
  { heading: 'Practices with alerts', numeric: true, text: (r) => count(r.practices), sortKey: (r) => r.practices },
  { heading: 'Open alerts', numeric: true, text: (r) => count(r.open), sortKey: (r) => r.open },
  { heading: 'Resolved alerts', numeric: true, text: (r) => count(r.resolved), sortKey: (r) => r.resolved },
  { heading: 'Critical alerts', numeric: true, text: (r) => count(r.critical), sortKey: (r) => r.critical },
  { heading: 'Patients affected', numeric: true, text: (r) => count(r.patients), sortKey: (r) => r.patients },
];

const practiceColumns: readonly Column<PracticeRow>[] = [
  { heading: 'Practice', text: (r) => r.practiceOds },
  { heading: 'Supplier', text: (r) => r.supplier },
  { heading: 'Open alerts', numeric: true, text: (r) => count(r.open), sortKey: (r) => r.open },
  { heading: 'Resolved alerts', numeric: true, text: (r) => count(r.resolved), sortKey: (r) => r.resolved },
  { heading: 'Critical alerts', numeric: true, text: (r) => count(r.critical), sortKey: (r) => r.critical },
  { heading: 'Patients affected', numeric: true, text: (r) => count(r.patients), sortKey: (r) => r.patients },
];

const releaseColumns: readonly Column<ReleaseRow>[] = [
  { heading: 'Recipient', text: (r) => r.recipient },
  { heading: 'Purpose', text: (r) => r.purpose },
  { heading: 'Releases despite an objection', numeric: true, text: (r) => count(r.releases), sortKey: (r) => r.releases },
  { heading: 'Patients', numeric: true, text: (r) => count(r.patients), sortKey: (r) => r.patients },
  { heading: 'Objection not held downstream', numeric: true, text: (r) => count(r.notHeld), sortKey: (r) => r.notHeld },
  { heading: 'First', text: (r) => day(r.first), className: 'when' },
  { heading: 'Last', text: (r) => day(r.last), className: 'when' },
];

// References are shown shortened (the first 16 characters are unique in practice); the whole one is what the
// column sorts and the search matches on.
const short = (ref: string, n: number) => (ref.length > n ? `${ref.slice(0, n)}…` : ref);

const alertColumns: readonly Column<ReportAlert>[] = [
  { heading: 'Fired', text: (a) => day(a.firedAt), sortKey: (a) => a.firedAt ?? '', className: 'when' },
  { heading: 'Rule', text: (a) => a.rule.replaceAll('_', ' '), sortKey: (a) => a.rule, className: 'rule' },
  { heading: 'Severity', text: (a) => a.severity },
  { heading: 'State', text: (a) => a.state },
  { heading: 'Patient reference', text: (a) => short(a.patientRef, 16), sortKey: (a) => a.patientRef, className: 'ref' },
  { heading: 'Practice', text: (a) => a.practiceOds },
  { heading: 'Supplier', text: (a) => a.supplier },
  { heading: 'Type', text: (a) => a.optOutType.replace('TYPE_', ''), className: 'num' },
  { heading: 'Began', text: (a) => day(a.episodeStart), className: 'when' },
  { heading: 'Resolved', text: (a) => day(a.resolvedAt), className: 'when' },
  { heading: 'Recipient / purpose', text: (a) => (a.recipient === null ? '' : `${a.recipient} / ${a.purpose ?? ''}`) },
  { heading: 'Alert id', text: (a) => short(a.alertId, 12), sortKey: (a) => a.alertId, className: 'ref' },
];

function latencySection(report: AuditReport, facts: ReportFacts): string {
  const l = report.propagationLatency;
  const d = facts.detection;
  const said = (n: number | null) => (n === null ? '-' : plainDuration(n));
  return `<h2 id="distributions">How long things took</h2>
<h3>Propagation latency</h3>
<p>For each objection or withdrawal recorded at a practice that later reached the national data service (${count(l.count)}), how long it took. Half arrived within ${esc(said(l.p50))}, 95% within ${esc(said(l.p95))}; the slowest took ${esc(said(l.max))}.</p>
${histogramChart(report.propagationLatencyHistogram, 'Propagation latency', '#0072B2')}
<h3>Detection delay</h3>
<p>For each alert with an episode (${count(d.count)}), the time from the two sides beginning to disagree to the alert. Half within ${esc(said(d.p50))}, 95% within ${esc(said(d.p95))}, all within ${esc(said(d.max))}.</p>
${histogramChart(facts.detectionHistogram, 'Detection delay', '#D55E00')}`;
}

function deadLetterSection(report: AuditReport): string {
  const reasons = Object.entries(report.deadLetters.byReason).filter(([, n]) => n > 0);
  const inputs = Object.entries(report.inputs).map(([stream, input]) => `<tr><td>${esc(stream)}</td><td class="num">${count(input.records)}</td><td class="num">${count(report.deadLetters.byInput[stream as keyof typeof report.deadLetters.byInput])}</td><td class="num">${count(report.duplicates.byInput[stream as keyof typeof report.duplicates.byInput])}</td></tr>`);
  return `<h2 id="dead-letters">Records read and records set aside</h2>
<table><thead><tr><th>Input</th><th class="num">Records</th><th class="num">Set aside</th><th class="num">Duplicates</th></tr></thead><tbody>${inputs.join('')}</tbody></table>
<p>${reasons.length === 0 ? 'Every record could be read and was valid.' : `Records set aside, by reason: ${esc(reasons.map(([r, n]) => `${r} ${count(n)}`).join(', '))}. Each one's input, position and reason are in the JSON report.`}</p>`;
}

function provenanceSection(report: AuditReport): string {
  const p = report.provenance;
  const row = (term: string, value: string) => `<dt>${esc(term)}</dt><dd>${esc(value)}</dd>`;
  const rows = [
    row('Tool', `${p.tool.name} ${p.tool.version}`),
    row('Commit', p.tool.gitCommit === null ? 'unknown' : `${p.tool.gitCommit} (from ${p.tool.gitCommitFrom})`),
    row('Rules version', p.rulesVersion),
    row('Parameters', `sla ${plainDuration(report.parameters.slaMs)}, grace ${plainDuration(report.parameters.graceMs)}, as of ${report.asOf ?? 'no valid record'} (${report.asOfSource === 'explicit' ? 'given' : 'the latest event time'})`),
    row('Code catalogue', `${p.catalogue.path}${p.catalogue.shipped ? ' (shipped)' : ''}, SHA-256 ${p.catalogue.sha256}`),
    row('Patient references', `${p.pseudonymKey.mode === 'key-file' ? `key file ${p.pseudonymKey.keyFile}` : 'key derived from the inputs'}; key fingerprint ${p.pseudonymKey.fingerprint}. ${p.pseudonymKey.statement}.`),
    ...Object.entries(p.inputs).map(([stream, input]) => row(`Input ${stream}`, `${input.path} (${input.name}, ${count(input.bytes)} bytes), HMAC-SHA256 ${input.hmacSha256}`)),
  ];
  return `<h2 id="provenance">Provenance</h2><p>What this report depends on. The same inputs, catalogue, key and parameters give the same report, byte for byte.</p><dl class="provenance">${rows.join('')}</dl>`;
}

const GLOSSARY = `<h2 id="glossary">Glossary</h2><dl>
<dt>Objection (opt-out)</dt><dd>A patient's recorded wish that their confidential data not be used beyond their own care. Type 1: not to leave the GP practice. Type 2: not to be passed on by the national data service.</dd>
<dt>Upstream, downstream</dt><dd>The GP record; the national data service that receives GP extracts and releases data.</dd>
<dt>Alert</dt><dd>A disagreement between the two that lasted longer than allowed, or a release that went against an objection. Open (firing) until the two sides agree again; a release never resolves.</dd>
<dt>Extract, manifest</dt><dd>A batch of records a practice's GP system sends; the national data service's statement that it arrived complete up to a given time.</dd>
<dt>Patient reference</dt><dd>A keyed code standing for the patient's NHS number. Only someone holding the key can turn it back into the NHS number.</dd>
<dt>Propagation latency</dt><dd>How long an opt-out took to reach the national data service.</dd>
<dt>Detection delay</dt><dd>How long after a disagreement began the verifier raised its alert.</dd>
</dl>`;

export function reportPage(input: PageInput): string {
  const { report } = input;
  const facts = reportFacts(report, input.faults);
  const colours = supplierColours(facts.suppliers);
  const faultsText = input.faults.length > 0
    ? `<p>The inputs come from a simulated scenario with these faults injected: ${esc(input.faults.map((f) => `${f.profile}${f.supplier ? ` (${f.supplier})` : ''}${f.from && f.to ? ` ${day(f.from)} to ${day(f.to)}` : ''}`).join('; '))}. Supplier-wide fault windows are shaded.</p>`
    : '';
  const alertRows = report.alerts;
  const body = [
    `<h1>Opt-out verification report</h1>`,
    `<p class="subtitle">As of ${esc(report.asOf ?? 'no valid record')} · rules version ${esc(report.provenance.rulesVersion)} · ${esc(report.provenance.tool.name)} ${esc(report.provenance.tool.version)}</p>`,
    summary(report, facts),
    `<h2 id="timeline">Alerts opened and resolved per week</h2>`,
    `<p>Bars above the line: alerts opened that week; below: alerts resolved; colours: GP system supplier. Weeks start on Monday (UTC).</p>`,
    timelineChart(facts, colours),
    faultsText,
    latencySection(report, facts),
    `<h2 id="suppliers">By supplier and practice</h2>`,
    sortableTable('by-supplier', supplierColumns, facts.bySupplier, 'Per GP system supplier'),
    sortableTable('by-practice', practiceColumns, facts.byPractice, 'Per practice'),
    `<h2 id="releases">Releases despite an objection, by recipient and purpose</h2>`,
    facts.byRelease.length === 0 ? '<p>None.</p>' : sortableTable('by-release', releaseColumns, facts.byRelease, 'Per recipient and purpose'),
    `<h2 id="all-alerts">Every alert</h2>`,
    `<p class="no-print"><label>Search <input id="alert-search" class="search" type="search" placeholder="rule, practice, supplier, patient reference, date..."></label> <span id="alert-shown">${count(alertRows.length)}</span> of ${count(alertRows.length)} shown. Click a heading to sort.</p>`,
    alertRows.length === 0 ? '<p>None.</p>' : sortableTable('alerts', alertColumns, alertRows, `${count(alertRows.length)} ${plural(alertRows.length, 'alert')}; patients appear by reference only`),
    deadLetterSection(report),
    provenanceSection(report),
    GLOSSARY,
    `<footer>Generated ${esc(input.generatedAt)} from the replay's JSON report. No NHS number appears in this page.</footer>`,
  ];
  return `<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>Opt-out verification report, as of ${esc(day(report.asOf))}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
${body.join('\n')}
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
