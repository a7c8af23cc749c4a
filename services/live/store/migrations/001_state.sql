-- State of the live verifier. Every statement is plain SQL without a schema name: the migration runner sets
-- search_path to the configured schema (DB_SCHEMA) before applying a file.
--
-- Times of records are event times as epoch milliseconds (bigint, *_ms), exactly as the contract's Avro
-- timestamp-millis carries them; times a person reads (alerts, outbox) are timestamptz.
-- The record tables hold NHS numbers in clear (the decider rebuilds its state from them): this database is as
-- sensitive as the input topics and needs the same access control.

-- Ingest progress of each input partition: the next offset to store, written in the same transaction as the
-- records it covers. PostgreSQL, not the consumer group, is the source of truth for where to resume.
CREATE TABLE input_partitions (
  topic text NOT NULL,
  partition integer NOT NULL,
  next_offset bigint NOT NULL DEFAULT 0,
  max_event_time_ms bigint,
  last_record_at timestamptz,
  records bigint NOT NULL DEFAULT 0,
  duplicates bigint NOT NULL DEFAULT 0,
  dead_letters bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (topic, partition)
);

-- Valid records, first of their id (the first valid record with an id stays). content_hash is SHA-256 of the
-- record's content, to tell a duplicate from a CONFLICTING_DUPLICATE. (topic, source_partition, source_offset)
-- is where the record was read, which is how the decider reads what it has not yet seen.
CREATE TABLE gp_events (
  event_id text PRIMARY KEY,
  nhs_number text NOT NULL,
  practice_ods text NOT NULL,
  supplier text NOT NULL,
  code text NOT NULL,
  recorded_at_ms bigint NOT NULL,
  opt_out_type text NOT NULL,
  action text NOT NULL,
  content_hash bytea NOT NULL,
  topic text NOT NULL,
  source_partition integer NOT NULL,
  source_offset bigint NOT NULL
);
CREATE INDEX gp_events_source ON gp_events (topic, source_partition, source_offset);

CREATE TABLE nds_received (
  receipt_id text PRIMARY KEY,
  nhs_number text NOT NULL,
  practice_ods text NOT NULL,
  supplier text NOT NULL,
  code text NOT NULL,
  source_event_id text,
  extract_id text NOT NULL,
  received_at_ms bigint NOT NULL,
  opt_out_type text NOT NULL,
  action text NOT NULL,
  content_hash bytea NOT NULL,
  topic text NOT NULL,
  source_partition integer NOT NULL,
  source_offset bigint NOT NULL
);
CREATE INDEX nds_received_source ON nds_received (topic, source_partition, source_offset);

CREATE TABLE nds_manifests (
  extract_id text PRIMARY KEY,
  supplier text NOT NULL,
  practice_ods text NOT NULL,
  covers_up_to_ms bigint NOT NULL,
  received_at_ms bigint NOT NULL,
  record_count bigint NOT NULL,
  content_hash bytea NOT NULL,
  topic text NOT NULL,
  source_partition integer NOT NULL,
  source_offset bigint NOT NULL
);
CREATE INDEX nds_manifests_source ON nds_manifests (topic, source_partition, source_offset);

CREATE TABLE nds_disseminations (
  dissemination_id text PRIMARY KEY,
  nhs_number text NOT NULL,
  recipient text NOT NULL,
  purpose text NOT NULL,
  shared_at_ms bigint NOT NULL,
  content_hash bytea NOT NULL,
  topic text NOT NULL,
  source_partition integer NOT NULL,
  source_offset bigint NOT NULL
);
CREATE INDEX nds_disseminations_source ON nds_disseminations (topic, source_partition, source_offset);

-- Every record sent to the dead-letter topic. detail names fields, never values.
CREATE TABLE dead_letters (
  topic text NOT NULL,
  partition integer NOT NULL,
  source_offset bigint NOT NULL,
  reason text NOT NULL,
  detail text NOT NULL,
  stored_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, partition, source_offset)
);

-- The decider: one row. leader_epoch fences a deposed leader out (every commit checks it); stream_time_ms is the
-- stream time its last commit reached (NULL before the first).
CREATE TABLE decider_state (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  leader_epoch bigint NOT NULL DEFAULT 0,
  leader text,
  stream_time_ms bigint,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO decider_state DEFAULT VALUES;

-- How far into each input partition the decider has offered records to the engine (exclusive).
CREATE TABLE decider_offsets (
  topic text NOT NULL,
  partition integer NOT NULL,
  decided_offset bigint NOT NULL,
  PRIMARY KEY (topic, partition)
);

-- A cut is written when a round offered late records: the offsets and stream time the engine stood at before
-- that round. Rebuilding replays the rounds between cuts as one, which gives the same engine state.
CREATE TABLE decider_cuts (
  cut_no bigserial PRIMARY KEY,
  stream_time_ms bigint,
  offsets jsonb NOT NULL
);

-- Every alert as it stands now.
CREATE TABLE alerts (
  alert_id text PRIMARY KEY,
  rule text NOT NULL,
  severity text NOT NULL,
  state text NOT NULL,
  upstream_event_id text,
  receipt_id text,
  dissemination_id text,
  patient_ref text NOT NULL,
  practice_ods text NOT NULL,
  supplier text NOT NULL,
  opt_out_type text NOT NULL,
  episode_start timestamptz,
  fired_at timestamptz NOT NULL,
  escalated_at timestamptz,
  resolved_at timestamptz,
  resolved_by text,
  detection_delay_ms bigint,
  downstream_held_at_share boolean,
  recipient text,
  purpose text,
  last_transition text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per alert state change, written with the decision; the publisher sends unsent rows to the alerts topic
-- in seq order and marks them sent. (alert_id, transition) is unique, so a decision made twice is stored once.
CREATE TABLE alert_outbox (
  seq bigserial PRIMARY KEY,
  alert_id text NOT NULL,
  transition text NOT NULL,
  changed_at timestamptz NOT NULL,
  payload bytea NOT NULL,
  decided_at timestamptz NOT NULL,
  sent_at timestamptz,
  UNIQUE (alert_id, transition)
);
CREATE INDEX alert_outbox_unsent ON alert_outbox (seq) WHERE sent_at IS NULL;
