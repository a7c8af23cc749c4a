-- Each record written once: the records of an ingest batch as one row of record_batches, their ids in record_ids.
--
-- record_ids judges duplicates and remembers ids for DEDUP_HORIZON: one narrow row per id ever stored (its stream,
-- the SHA-256 of its pseudonymised content, its event time and where it was read), kept after its record has gone
-- until its event time is past the horizon and a snapshot covers it. No more moving ids into remembered_ids.
-- record_batches holds the records themselves, a run of one partition per row (record-lines.ts: a line per record,
-- its offset and fields, the NHS number already replaced by its keyed pseudonym); retention deletes a row per batch.
CREATE TABLE record_ids (
  stream text NOT NULL,
  id text NOT NULL,
  content_hash bytea NOT NULL,
  event_time_ms bigint NOT NULL,
  source_partition integer,
  source_offset bigint,
  PRIMARY KEY (stream, id)
);
-- Ids arrive roughly in event-time order: a block range index finds the old ones at almost no cost per insert.
CREATE INDEX record_ids_event_time ON record_ids USING brin (event_time_ms);

CREATE TABLE record_batches (
  topic text NOT NULL,
  partition integer NOT NULL,
  from_offset bigint NOT NULL,
  to_offset bigint NOT NULL,
  stream text NOT NULL,
  record_count integer NOT NULL,
  records text NOT NULL,
  PRIMARY KEY (topic, partition, from_offset)
);
-- A batch's lines run to tens of kilobytes: lz4 compresses them at a fraction of the default pglz's cost.
ALTER TABLE record_batches ALTER COLUMN records SET COMPRESSION lz4;

-- What the four record tables and remembered_ids hold moves over: ids remembered after their records went carry no
-- offset; stored records become runs of up to 1,000 per partition, in the lines record-lines.ts reads.
INSERT INTO record_ids (stream, id, content_hash, event_time_ms) SELECT stream, id, content_hash, event_time_ms FROM remembered_ids;
INSERT INTO record_ids SELECT 'gpEvents', event_id, content_hash, recorded_at_ms, source_partition, source_offset FROM gp_events;
INSERT INTO record_ids SELECT 'ndsReceived', receipt_id, content_hash, received_at_ms, source_partition, source_offset FROM nds_received;
INSERT INTO record_ids SELECT 'ndsManifests', extract_id, content_hash, received_at_ms, source_partition, source_offset FROM nds_manifests;
INSERT INTO record_ids SELECT 'ndsDisseminations', dissemination_id, content_hash, shared_at_ms, source_partition, source_offset FROM nds_disseminations;

CREATE FUNCTION pg_temp.line_text(value text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT COALESCE(replace(replace(replace(value, E'\\', E'\\\\'), E'\t', E'\\t'), E'\n', E'\\n'), E'\\N')
$$;

CREATE TEMPORARY TABLE record_lines (stream text, topic text, partition integer, source_offset bigint, line text) ON COMMIT DROP;
INSERT INTO record_lines SELECT 'gpEvents', topic, source_partition, source_offset, concat_ws(E'\t', source_offset::text,
  pg_temp.line_text(event_id), pg_temp.line_text(patient_ref), pg_temp.line_text(practice_ods), pg_temp.line_text(supplier), pg_temp.line_text(code),
  recorded_at_ms::text, pg_temp.line_text(opt_out_type), pg_temp.line_text(action)) FROM gp_events;
INSERT INTO record_lines SELECT 'ndsReceived', topic, source_partition, source_offset, concat_ws(E'\t', source_offset::text,
  pg_temp.line_text(receipt_id), pg_temp.line_text(patient_ref), pg_temp.line_text(practice_ods), pg_temp.line_text(supplier), pg_temp.line_text(code),
  pg_temp.line_text(source_event_id), pg_temp.line_text(extract_id), received_at_ms::text, pg_temp.line_text(opt_out_type), pg_temp.line_text(action)) FROM nds_received;
INSERT INTO record_lines SELECT 'ndsManifests', topic, source_partition, source_offset, concat_ws(E'\t', source_offset::text,
  pg_temp.line_text(extract_id), pg_temp.line_text(supplier), pg_temp.line_text(practice_ods), covers_up_to_ms::text, received_at_ms::text,
  record_count::text) FROM nds_manifests;
INSERT INTO record_lines SELECT 'ndsDisseminations', topic, source_partition, source_offset, concat_ws(E'\t', source_offset::text,
  pg_temp.line_text(dissemination_id), pg_temp.line_text(patient_ref), pg_temp.line_text(recipient), pg_temp.line_text(purpose), shared_at_ms::text)
  FROM nds_disseminations;

INSERT INTO record_batches (topic, partition, from_offset, to_offset, stream, record_count, records)
SELECT topic, partition, min(source_offset), max(source_offset) + 1, stream, count(*), string_agg(line, E'\n' ORDER BY source_offset)
FROM (SELECT *, (row_number() OVER (PARTITION BY topic, partition ORDER BY source_offset) - 1) / 1000 AS run FROM record_lines) numbered
GROUP BY stream, topic, partition, run;

DROP FUNCTION pg_temp.line_text(text);
DROP TABLE gp_events, nds_received, nds_manifests, nds_disseminations, remembered_ids;
