// Rows as the service stored them under migrations 001-002, before 003 pseudonymised them: NHS numbers in clear and
// content fingerprints of the clear content. For testing migration 003 on a populated schema.
import { hash } from 'node:crypto';
import { contentKey } from '../../../services/core/duplicates.js';
import type { GpOptOutEvent, NdsDissemination, NdsReceivedObjection, StreamName } from '../../../services/core/records.js';
import type { StoreReader } from './store-inspection.js';

const clearHash = (stream: StreamName, record: object): string => hash('sha256', contentKey(stream, record as Record<string, unknown>), 'hex');

/** Stores GP events (on partition 1, from offset 0), a receipt and a dissemination in clear, and one firing alert for `alertPatientRef`. */
export async function storeClearRows(db: StoreReader, rows: {
  events: readonly GpOptOutEvent[]; receipt: NdsReceivedObjection; dissemination: NdsDissemination; alertPatientRef: string;
}): Promise<void> {
  for (const [i, e] of rows.events.entries()) {
    await db.query(`INSERT INTO gp_events (event_id, nhs_number, practice_ods, supplier, code, recorded_at_ms, opt_out_type, action, content_hash, topic, source_partition, source_offset)
      VALUES ($1, $2, $3, $4, $5, $6, 'TYPE_1', 'DISSENT', decode($7, 'hex'), 'gp', 1, $8)`,
    [e.eventId, e.nhsNumber, e.practiceOds, e.supplier, e.code, e.recordedAt, clearHash('gpEvents', e), i]);
  }
  const r = rows.receipt;
  await db.query(`INSERT INTO nds_received (receipt_id, nhs_number, practice_ods, supplier, code, source_event_id, extract_id, received_at_ms, opt_out_type, action, content_hash, topic, source_partition, source_offset)
    VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, 'TYPE_1', 'DISSENT', decode($8, 'hex'), 'rc', 0, 0)`,
  [r.receiptId, r.nhsNumber, r.practiceOds, r.supplier, r.code, r.extractId, r.receivedAt, clearHash('ndsReceived', r)]);
  const d = rows.dissemination;
  await db.query(`INSERT INTO nds_disseminations (dissemination_id, nhs_number, recipient, purpose, shared_at_ms, content_hash, topic, source_partition, source_offset)
    VALUES ($1, $2, $3, $4, $5, decode($6, 'hex'), 'ds', 0, 0)`,
  [d.disseminationId, d.nhsNumber, d.recipient, d.purpose, d.sharedAt, clearHash('ndsDisseminations', d)]);
  await db.query(`INSERT INTO alerts (alert_id, rule, severity, state, upstream_event_id, patient_ref, practice_ods, supplier, opt_out_type, fired_at, last_transition)
    VALUES ('a-1', 'OBJECTION_OVERDUE', 'WARNING', 'FIRING', 'e-1', $1, 'A81001', 'TPP', 'TYPE_1', now(), 'FIRED')`, [rows.alertPatientRef]);
}
