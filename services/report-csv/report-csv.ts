import type { AuditReport } from '../replay/audit-report.js';
import { csvText, type CsvValue } from './csv-format.js';

// The report's alerts and dead letters as spreadsheet files, one row per alert or record, with the JSON
// report's field names as headers and its order. Patients appear by reference only, as in the report.

type ReportAlert = AuditReport['alerts'][number];
type DeadLetter = AuditReport['deadLetters']['records'][number];

const ALERT_FIELDS = [
  'alertId', 'rule', 'severity', 'state', 'upstreamEventId', 'receiptId', 'disseminationId', 'patientRef', 'practiceOds', 'supplier', 'optOutType',
  'episodeStart', 'firedAt', 'escalatedAt', 'resolvedAt', 'resolvedBy', 'detectionDelayMs', 'downstreamHeldAtShare', 'recipient', 'purpose',
] as const satisfies readonly (keyof ReportAlert)[];

const DEAD_LETTER_FIELDS = ['input', 'position', 'reason', 'detail'] as const satisfies readonly (keyof DeadLetter)[];

export function alertsCsv(report: AuditReport): string {
  return csvText(ALERT_FIELDS, report.alerts.map((a) => ALERT_FIELDS.map((f) => a[f] as CsvValue)));
}

export function deadLettersCsv(report: AuditReport): string {
  return csvText(DEAD_LETTER_FIELDS, report.deadLetters.records.map((d) => DEAD_LETTER_FIELDS.map((f) => d[f] as CsvValue)));
}
