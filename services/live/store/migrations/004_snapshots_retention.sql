-- The decider's checkpoint of its engine, and what lets the record tables keep only what decisions need.

-- The latest snapshot of the decider's engine (side states, open episodes, timers, the manifests checks still need,
-- open alerts, records offered but not yet applied, stream time), written in the same statement as the offsets it
-- covers (offsets: partitionKey -> decided offset). A new decider restores it and reads only the records after it.
-- format names the encoding of state (see services/live/decider-snapshot.ts).
CREATE TABLE decider_snapshot (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  format integer NOT NULL,
  stream_time_ms bigint,
  offsets jsonb NOT NULL,
  state bytea NOT NULL,
  taken_at timestamptz NOT NULL DEFAULT now()
);

-- Ids of records no longer kept, with their content fingerprint, so that a redelivery is still recognised as a
-- duplicate (or a CONFLICTING_DUPLICATE) for DEDUP_HORIZON of event time behind the stream time.
CREATE TABLE remembered_ids (
  stream text NOT NULL,
  id text NOT NULL,
  content_hash bytea NOT NULL,
  event_time_ms bigint NOT NULL,
  PRIMARY KEY (stream, id)
);
CREATE INDEX remembered_ids_event_time ON remembered_ids (event_time_ms);

-- Retention finds old dead letters and sent alert messages by time.
CREATE INDEX dead_letters_stored_at ON dead_letters (stored_at);
CREATE INDEX alert_outbox_sent_at ON alert_outbox (sent_at) WHERE sent_at IS NOT NULL;
