-- record_ids keyed by a 16-byte fingerprint of stream and id (record-id-key.ts: the first 16 bytes of SHA-256 over
-- `stream:id`, as a uuid) in place of (stream, id) as text: the primary key's comparisons were most of the cost of
-- claiming an id. The id itself is no longer kept; the stream stays, for retention.
ALTER TABLE record_ids ADD COLUMN id_key uuid;
UPDATE record_ids SET id_key = encode(substring(sha256(convert_to(stream || ':' || id, 'UTF8')) FROM 1 FOR 16), 'hex')::uuid;
ALTER TABLE record_ids DROP CONSTRAINT record_ids_pkey;
ALTER TABLE record_ids DROP COLUMN id;
ALTER TABLE record_ids ALTER COLUMN id_key SET NOT NULL;
ALTER TABLE record_ids ADD PRIMARY KEY (id_key);
