-- The decider reads records by (partition, offset) within one topic: index those two only. An index that also
-- held the topic name cost a large share of every insert on the ingest path; the topic is checked on the row.
DROP INDEX gp_events_source;
CREATE INDEX gp_events_source ON gp_events (source_partition, source_offset);
DROP INDEX nds_received_source;
CREATE INDEX nds_received_source ON nds_received (source_partition, source_offset);
DROP INDEX nds_manifests_source;
CREATE INDEX nds_manifests_source ON nds_manifests (source_partition, source_offset);
DROP INDEX nds_disseminations_source;
CREATE INDEX nds_disseminations_source ON nds_disseminations (source_partition, source_offset);
