-- Instances standing by, and the snapshot each holds restored (a warm standby): its cover, as decider_snapshot
-- holds it, and when the instance last said so (on the database's clock). A decider that stops takes no last
-- snapshot while another instance has lately said it holds the stored one, so that instance takes over from its
-- warm engine and replays the records decided after it, rather than restoring a last snapshot cold.
CREATE TABLE decider_standbys (
  instance_name text PRIMARY KEY,
  stream_time_ms bigint,
  offsets jsonb NOT NULL,
  reported_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
