-- The record tables hold the patient's keyed pseudonym (patient_ref: HMAC-SHA256 of the NHS number under the
-- pseudonym key, the patientRef the alerts carry) in place of the NHS number; the key is never stored. The step
-- between the two halves runs in the service, which holds the key (migration-steps.ts, pseudonymise-records): it
-- fills patient_ref and recomputes each content fingerprint over the pseudonymised content. Then the clear
-- columns go, and the runner rewrites the three tables (VACUUM FULL) so the dropped values leave their files.
ALTER TABLE gp_events ADD COLUMN patient_ref text;
ALTER TABLE nds_received ADD COLUMN patient_ref text;
ALTER TABLE nds_disseminations ADD COLUMN patient_ref text;
-- step: pseudonymise-records
ALTER TABLE gp_events DROP COLUMN nhs_number, ALTER COLUMN patient_ref SET NOT NULL;
ALTER TABLE nds_received DROP COLUMN nhs_number, ALTER COLUMN patient_ref SET NOT NULL;
ALTER TABLE nds_disseminations DROP COLUMN nhs_number, ALTER COLUMN patient_ref SET NOT NULL;

-- Offsets of each input partition that held no message when read (control records of transactions, aborted or
-- compacted records): with it, next_offset = records + duplicates + dead_letters + absent, checked continually.
ALTER TABLE input_partitions ADD COLUMN absent bigint NOT NULL DEFAULT 0;
