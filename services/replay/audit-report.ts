import type { Report } from '../core/replay-report.js';
import { jsonChunks } from './json-chunks.js';
import type { Provenance } from './provenance.js';
import type { UnverifiedDecision } from './unverified-codes.js';

// The report the replay writes: the core's report with what it depends on (provenance, first, so a reader
// sees it before the findings) and the alerts that rest on unverified catalogue codes (last).

export interface UnverifiedCodes {
  /** The catalogue's entries marked unverified, in catalogue order. */
  readonly catalogueEntries: readonly string[];
  /** Alerts fired or resolved because of a record carrying one of them. */
  readonly decidedAlerts: readonly UnverifiedDecision[];
}

export function auditReport(report: Report, provenance: Provenance, unverifiedCodes: UnverifiedCodes) {
  const { reportVersion, ...findings } = report;
  return { reportVersion, provenance, ...findings, unverifiedCodes };
}

export type AuditReport = ReturnType<typeof auditReport>;

/** The report's JSON text (two-space indents, a final newline), in chunks, to be written as a stream. */
export function auditReportChunks(report: AuditReport): Iterable<string> {
  return jsonChunks(report);
}

/** The warning printed when unverified codes decided alerts; null when none did. */
export function unverifiedWarning(unverified: UnverifiedCodes): string | null {
  const alerts = new Set(unverified.decidedAlerts.map((d) => d.alertId));
  if (alerts.size === 0) return null;
  const codes = [...new Set(unverified.decidedAlerts.map((d) => d.code))].sort();
  return `warning: ${alerts.size.toLocaleString('en-GB')} alert${alerts.size === 1 ? '' : 's'} fired or resolved on a code the catalogue marks unverified (${codes.join(', ')}); see unverifiedCodes in the report and docs/code-catalogue.md`;
}
