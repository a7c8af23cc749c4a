// Every SQL statement of the live verifier, built by pure functions returning { text, values }. Multi-row writes
// go through unnest() over one array per column: one round trip for a whole batch, whatever its size.
import type { Alert, AlertChange } from '../../core/alert.js';
import type { Millis, StreamName } from '../../core/records.js';
import { byteaArray, int8Array, uuidArray } from './binary-arrays.js';
import type { DeadLetterNote, OffsetRange, PartitionOffsets } from './state-store.js';
import { topicPartitionOf } from './topic-partition.js';

export interface Sql {
  readonly text: string;
  readonly values: readonly unknown[];
  /** Statements run for every batch are prepared once per connection under this name (the text never varies). */
  readonly name?: string;
}

type PgType = 'text' | 'bigint' | 'integer' | 'boolean' | 'timestamptz' | 'uuid' | 'bytea';

/** unnest($1::text[], $2::bigint[], ...) AS alias(a, b, ...), with the parameters numbered from `first`. */
function unnestOf(types: readonly PgType[], names: readonly string[], alias: string, first: number): string {
  const args = types.map((t, i) => `$${first + i}::${t}[]`).join(', ');
  return `unnest(${args}) AS ${alias}(${names.join(', ')})`;
}

// ---- ingest ----------------------------------------------------------------------------------------------

/** Creates the partition's progress row if needed and locks it for this transaction; returns next_offset. */
export function lockPartitionProgress(topic: string, partition: number): Sql {
  return {
    text: `INSERT INTO input_partitions (topic, partition) VALUES ($1, $2)
ON CONFLICT (topic, partition) DO UPDATE SET topic = EXCLUDED.topic
RETURNING next_offset`,
    values: [topic, partition],
    name: 'lock-partition-progress',
  };
}

/** A content fingerprint's size: SHA-256. */
const CONTENT_HASH_BYTES = 32;

/** The ids a run of records claims, a column each, in the records' order. */
export interface ClaimedIds {
  /** Each id's key (record-id-key.ts), 32 hex digits. */
  readonly keys: readonly string[];
  /** SHA-256 of each record's pseudonymised content, hex (CONTENT_HASH_BYTES). */
  readonly contentHashes: readonly string[];
  readonly eventTimes: readonly number[];
  readonly offsets: readonly number[];
}

/** A run of stored records of one partition, as one row: offsets [from, to), their lines (record-lines.ts). */
export interface RecordRun {
  readonly from: number;
  readonly to: number;
  readonly count: number;
  readonly lines: string;
  /** The numbers of the lines other than event times (record-lines.ts, addOtherNumbers), which must each fit a bigint. */
  readonly numbers: readonly number[];
}

/**
 * Claims the ids of records (the first valid one of each id) and stores the records as one row, if every id was
 * free; returns the keys of ids claimed already, by records stored or still remembered (usually none, so a batch
 * of thousands answers with no rows). When some were, no row is stored: the caller stores the others' run
 * (insertRecordRun). The claimed ids are looked up first and the free ones inserted as they are: ON CONFLICT would
 * check the index again for every row, which measured as a quarter of PostgreSQL's time on ingest. So an id claimed
 * by another transaction between the look-up and the insert fails the statement on the primary key (23505), and
 * the caller runs the batch again. The stream is a literal: the statement is prepared once per stream and connection.
 */
export function claimIdsAndStore(stream: StreamName, topic: string, partition: number, ids: ClaimedIds, run: RecordRun): Sql {
  return {
    text: `WITH r AS (SELECT * FROM ${unnestOf(['uuid', 'bytea', 'bigint', 'bigint'], ['id_key', 'content_hash', 'event_time_ms', 'source_offset'], 'r', 1)}),
taken AS (SELECT k.id_key FROM record_ids k WHERE k.id_key = ANY($1::uuid[])),
claimed AS (
  INSERT INTO record_ids (id_key, stream, content_hash, event_time_ms, source_partition, source_offset)
  SELECT r.id_key, '${stream}', r.content_hash, r.event_time_ms, $6::integer, r.source_offset FROM r
  WHERE r.id_key NOT IN (SELECT id_key FROM taken)),
kept AS (
  INSERT INTO record_batches (topic, partition, from_offset, to_offset, stream, record_count, records)
  SELECT $5, $6, $7, $8, '${stream}', $9::integer, $10 WHERE NOT EXISTS (SELECT 1 FROM taken) AND cardinality($11::bigint[]) >= 0)
SELECT encode(uuid_send(id_key), 'hex') AS key FROM taken`,
    values: [
      uuidArray(ids.keys), byteaArray(ids.contentHashes, CONTENT_HASH_BYTES), int8Array(ids.eventTimes), int8Array(ids.offsets),
      topic, partition, run.from, run.to, run.count, run.lines, int8Array(run.numbers),
    ],
    name: `claim-ids-${stream}`,
  };
}

/** Stores a run of records whose ids are claimed already. */
export function insertRecordRun(stream: StreamName, topic: string, partition: number, run: RecordRun): Sql {
  return {
    text: `INSERT INTO record_batches (topic, partition, from_offset, to_offset, stream, record_count, records)
SELECT $1, $2, $3, $4, $5, $6, $7 WHERE cardinality($8::bigint[]) >= 0`,
    values: [topic, partition, run.from, run.to, stream, run.count, run.lines, int8Array(run.numbers)],
  };
}

/** Around one insert of records, so that a record the store refuses can be set apart (pg-state-store.ts). */
export const SAVEPOINT: Sql = { text: 'SAVEPOINT insert_records', values: [] };
export const RELEASE_SAVEPOINT: Sql = { text: 'RELEASE SAVEPOINT insert_records', values: [] };
/** Undoes the insert and ends the savepoint (ROLLBACK TO alone would keep it). */
export const ROLLBACK_TO_SAVEPOINT: Sql = { text: 'ROLLBACK TO SAVEPOINT insert_records; RELEASE SAVEPOINT insert_records', values: [] };

/** Content fingerprints of the ids claimed before (by records stored, or still remembered), by key. */
export function storedContentHashes(keys: readonly string[]): Sql {
  return {
    text: `SELECT encode(uuid_send(id_key), 'hex') AS key, encode(content_hash, 'hex') AS content_hash FROM record_ids WHERE id_key = ANY($1::uuid[])`,
    values: [keys],
  };
}

export function insertDeadLetters(topic: string, partition: number, letters: readonly DeadLetterNote[]): Sql {
  return {
    text: `INSERT INTO dead_letters (topic, partition, source_offset, reason, detail)
SELECT $1, $2, d.source_offset, d.reason, d.detail FROM ${unnestOf(['bigint', 'text', 'text'], ['source_offset', 'reason', 'detail'], 'd', 3)}
ON CONFLICT (topic, partition, source_offset) DO NOTHING`,
    values: [topic, partition, letters.map((l) => l.offset), letters.map((l) => l.reason), letters.map((l) => l.detail)],
  };
}

export interface PartitionAdvance {
  readonly topic: string;
  readonly partition: number;
  readonly nextOffset: number;
  readonly maxEventTime: number | null;
  readonly stored: number;
  readonly duplicates: number;
  readonly deadLetters: number;
  /** Offsets in the batch's range that held no message (control records, compacted or aborted). */
  readonly absent: number;
  /** Whether the batch held any message not stored before (the partition's last-record time moves). */
  readonly sawRecords: boolean;
}

export function advancePartition(a: PartitionAdvance): Sql {
  return {
    text: `UPDATE input_partitions SET
  next_offset = $3,
  max_event_time_ms = GREATEST(max_event_time_ms, $4::bigint),
  last_record_at = CASE WHEN $8 THEN clock_timestamp() ELSE last_record_at END,
  records = records + $5, duplicates = duplicates + $6, dead_letters = dead_letters + $7, absent = absent + $9
WHERE topic = $1 AND partition = $2`,
    values: [a.topic, a.partition, a.nextOffset, a.maxEventTime, a.stored, a.duplicates, a.deadLetters, a.sawRecords, a.absent],
    name: 'advance-partition',
  };
}

/** Each partition's offsets less what ingest counted for them (stored, duplicate, dead letter, absent). */
export function ingestAccounts(): Sql {
  return {
    text: `SELECT topic, partition, next_offset, next_offset - records - duplicates - dead_letters - absent AS unaccounted FROM input_partitions`,
    values: [],
  };
}

export function storedOffsets(topics: readonly string[], partitions: readonly number[]): Sql {
  return {
    text: `SELECT p.topic, p.partition, COALESCE(i.next_offset, 0) AS next_offset
FROM ${unnestOf(['text', 'integer'], ['topic', 'partition'], 'p', 1)}
LEFT JOIN input_partitions i ON i.topic = p.topic AND i.partition = p.partition`,
    values: [topics, partitions],
  };
}

// ---- decider -----------------------------------------------------------------------------------------------

/** Session-level advisory lock named after the schema, so deciders of different schemas never contend. */
export function tryDeciderLock(schema: string): Sql {
  return { text: `SELECT pg_try_advisory_lock(hashtext($1)) AS locked`, values: [`optout-verifier:${schema}:decider`] };
}

/** The decider lock, waiting for it (up to the transaction's lock_timeout). Held by the session, past the transaction. */
export function waitDeciderLock(schema: string): Sql {
  return { text: `SELECT pg_advisory_lock(hashtext($1))`, values: [`optout-verifier:${schema}:decider`] };
}

/**
 * This transaction's lock_timeout, in milliseconds, and a statement_timeout a little longer: the lock wait ends on
 * the first, whatever DB_STATEMENT_TIMEOUT says.
 */
export function localLockWait(ms: number): Sql {
  const wait = Math.max(1, Math.round(ms));
  return { text: `SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true)`, values: [`${wait}ms`, `${localStatementTimeoutMs(ms)}ms`] };
}

/** The statement_timeout localLockWait sets. */
export function localStatementTimeoutMs(lockWaitMs: number): number {
  return Math.max(1, Math.round(lockWaitMs)) + 5_000;
}

export function releaseDeciderLock(schema: string): Sql {
  return { text: `SELECT pg_advisory_unlock(hashtext($1)) AS released`, values: [`optout-verifier:${schema}:decider`] };
}

/** A new leader takes the next epoch; every later commit of an older epoch then fails. */
export function claimLeadership(name: string): Sql {
  return {
    text: `UPDATE decider_state SET leader_epoch = leader_epoch + 1, leader = $1, updated_at = now() RETURNING leader_epoch, stream_time_ms`,
    values: [name],
  };
}

export function decidedOffsets(): Sql {
  return { text: `SELECT topic, partition, decided_offset FROM decider_offsets`, values: [] };
}

/**
 * The snapshot's bytes in pieces of at most `pieceBytes`, in order, each row with the snapshot's other columns. pg
 * reads a bytea as hex text, and one JavaScript string holds at most about 512 M characters: read whole, a snapshot
 * over some 256 MB could not be read back.
 */
export function deciderSnapshot(pieceBytes: number): Sql {
  return {
    text: `SELECT s.format, s.stream_time_ms, s.offsets, substring(s.state FROM 1 + p.n * $1 FOR $1) AS piece
FROM decider_snapshot s CROSS JOIN LATERAL generate_series(0, GREATEST(0, (octet_length(s.state) - 1) / $1)) AS p(n) ORDER BY p.n`,
    values: [pieceBytes],
  };
}

/** What the stored snapshot covers, without its bytes. */
export function deciderSnapshotCover(): Sql {
  return { text: `SELECT stream_time_ms, offsets FROM decider_snapshot`, values: [] };
}

/**
 * Which snapshot a standby holds restored (its cover, as decider_snapshot holds one), said now. Rows not said again
 * for an hour go with it: instances killed while standing by (pod names change with every deployment).
 */
export function reportStandby(name: string, streamTime: Millis | null, offsets: PartitionOffsets): Sql {
  return {
    text: `WITH gone AS (DELETE FROM decider_standbys WHERE instance_name <> $1 AND reported_at < clock_timestamp() - interval '1 hour')
INSERT INTO decider_standbys (instance_name, stream_time_ms, offsets, reported_at) VALUES ($1, $2::bigint, $3::jsonb, clock_timestamp())
ON CONFLICT (instance_name) DO UPDATE SET stream_time_ms = EXCLUDED.stream_time_ms, offsets = EXCLUDED.offsets, reported_at = EXCLUDED.reported_at`,
    values: [name, streamTime, JSON.stringify(Object.fromEntries(offsets))],
  };
}

/** A standby holds no snapshot (any more). */
export function withdrawStandby(name: string): Sql {
  return { text: `DELETE FROM decider_standbys WHERE instance_name = $1`, values: [name] };
}

/** Whether another instance said within the last `withinMs` that it holds the stored snapshot restored. */
export function standbyHoldsSnapshot(name: string, withinMs: number): Sql {
  return {
    text: `SELECT EXISTS (SELECT 1 FROM decider_standbys b JOIN decider_snapshot s
  ON b.stream_time_ms IS NOT DISTINCT FROM s.stream_time_ms AND b.offsets = s.offsets
WHERE b.instance_name <> $1 AND b.reported_at > clock_timestamp() - make_interval(secs => $2::double precision / 1000)) AS held`,
    values: [name, withinMs],
  };
}

export function deciderCuts(): Sql {
  return { text: `SELECT stream_time_ms, offsets FROM decider_cuts ORDER BY cut_no`, values: [] };
}

/** Progress of every input partition; the idle time is measured on the database's clock. */
export function partitionProgress(): Sql {
  return {
    text: `SELECT topic, partition, next_offset, max_event_time_ms,
  (extract(epoch FROM clock_timestamp() - last_record_at) * 1000)::bigint AS since_last_record_ms
FROM input_partitions`,
    values: [],
  };
}

/** The stored runs of a topic holding any offset of the given ranges, in (partition, first offset) order. */
export function recordRunsInRanges(topic: string, ranges: readonly OffsetRange[]): Sql {
  return {
    text: `SELECT b.partition, b.from_offset, b.to_offset, b.records FROM record_batches b
WHERE b.topic = $1 AND EXISTS (SELECT 1 FROM ${unnestOf(['integer', 'bigint', 'bigint'], ['partition', 'from_offset', 'to_offset'], 'r', 2)}
  WHERE b.partition = r.partition AND b.from_offset < r.to_offset AND b.to_offset > r.from_offset)
ORDER BY b.partition, b.from_offset`,
    values: [topic, ranges.map((r) => r.partition), ranges.map((r) => r.from), ranges.map((r) => r.to)],
  };
}

function splitOffsets(offsets: PartitionOffsets): { topics: string[]; partitions: number[]; values: number[] } {
  const topics: string[] = [];
  const partitions: number[] = [];
  const values: number[] = [];
  for (const [key, offset] of offsets) {
    const { topic, partition } = topicPartitionOf(key);
    topics.push(topic);
    partitions.push(partition);
    values.push(offset);
  }
  return { topics, partitions, values };
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

const ALERT_COLUMNS: readonly [string, PgType, (a: Alert, c: AlertChange) => unknown][] = [
  ['alert_id', 'text', (a) => a.alertId],
  ['rule', 'text', (a) => a.rule],
  ['severity', 'text', (a) => a.severity],
  ['state', 'text', (a) => a.state],
  ['upstream_event_id', 'text', (a) => a.upstreamEventId],
  ['receipt_id', 'text', (a) => a.receiptId],
  ['dissemination_id', 'text', (a) => a.disseminationId],
  ['patient_ref', 'text', (a) => a.patientRef],
  ['practice_ods', 'text', (a) => a.practiceOds],
  ['supplier', 'text', (a) => a.supplier],
  ['opt_out_type', 'text', (a) => a.optOutType],
  ['episode_start', 'timestamptz', (a) => iso(a.episodeStart)],
  ['fired_at', 'timestamptz', (a) => iso(a.firedAt)],
  ['escalated_at', 'timestamptz', (a) => iso(a.escalatedAt)],
  ['resolved_at', 'timestamptz', (a) => iso(a.resolvedAt)],
  ['resolved_by', 'text', (a) => a.resolvedBy],
  ['detection_delay_ms', 'bigint', (a) => a.detectionDelayMs],
  ['downstream_held_at_share', 'boolean', (a) => a.downstreamHeldAtShare],
  ['recipient', 'text', (a) => a.recipient],
  ['purpose', 'text', (a) => a.purpose],
  ['last_transition', 'text', (_a, c) => c.transition],
];

/**
 * The columns of an alert that change after it fired (escalation: rule, severity, escalated_at; resolution: state,
 * resolved_at, resolved_by): the only ones the decider updates, and the only ones the runtime role may.
 */
export const ALERT_LIFECYCLE_COLUMNS = ['rule', 'severity', 'state', 'escalated_at', 'resolved_at', 'resolved_by', 'last_transition', 'updated_at'] as const;

export interface OutboxRow {
  readonly alertId: string;
  readonly transition: string;
  readonly changedAt: number;
  readonly payload: Buffer;
  /** The change's canonical form, appended to the hash-chained alert history (alert_log). */
  readonly change: string;
}

export interface RoundWrite {
  readonly epoch: number;
  readonly streamTime: number | null;
  /** Decided offsets that moved. */
  readonly offsets: PartitionOffsets;
  readonly cut: { readonly streamTime: number | null; readonly offsets: PartitionOffsets } | null;
  /** The last change of each alert changed in the round (a row cannot be updated twice in one statement). */
  readonly latestAlerts: readonly AlertChange[];
  /** Every change, in the order made; one already in the outbox is not added again. */
  readonly outbox: readonly OutboxRow[];
  readonly decidedAt: number;
  /** The engine after the round, with every partition's decided offset: replaces the snapshot and drops the cuts. */
  readonly snapshot: { readonly format: number; readonly streamTime: number | null; readonly offsets: PartitionOffsets; readonly state: Buffer } | null;
}

/**
 * A decision round as one statement (so one round trip, and atomic without BEGIN and COMMIT): the fence moves
 * the stream time only while this leader's epoch is current, and every other write takes effect only if the fence
 * did. Answers fenced = 1, or 0 when another decider has taken over (then nothing was written).
 */
export function commitRound(w: RoundWrite): Sql {
  const values: unknown[] = [w.epoch, w.streamTime];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const arrays = (types: readonly PgType[], columns: readonly unknown[][], names: readonly string[], alias: string): string => {
    const first = values.length + 1;
    values.push(...columns);
    return unnestOf(types, names, alias, first);
  };
  const parts = ['fence AS (UPDATE decider_state SET stream_time_ms = $2, updated_at = now() WHERE leader_epoch = $1 RETURNING 1)'];
  if (w.cut !== null) {
    parts.push(`cut AS (INSERT INTO decider_cuts (stream_time_ms, offsets) SELECT ${param(w.cut.streamTime)}::bigint, ${param(JSON.stringify(Object.fromEntries(w.cut.offsets)))}::jsonb FROM fence)`);
  }
  if (w.snapshot !== null) {
    const snap = w.snapshot;
    parts.push(`snapshot AS (INSERT INTO decider_snapshot (format, stream_time_ms, offsets, state, taken_at)
  SELECT ${param(snap.format)}::integer, ${param(snap.streamTime)}::bigint, ${param(JSON.stringify(Object.fromEntries(snap.offsets)))}::jsonb, ${param(snap.state)}::bytea, now() FROM fence
  ON CONFLICT (singleton) DO UPDATE SET format = EXCLUDED.format, stream_time_ms = EXCLUDED.stream_time_ms, offsets = EXCLUDED.offsets, state = EXCLUDED.state, taken_at = EXCLUDED.taken_at)`);
    // Cuts before the snapshot are no longer needed to rebuild (this statement's own cut, if any, is not seen).
    parts.push(`uncut AS (DELETE FROM decider_cuts WHERE EXISTS (SELECT 1 FROM fence))`);
  }
  if (w.offsets.size > 0) {
    const { topics, partitions, values: decided } = splitOffsets(w.offsets);
    parts.push(`moved AS (INSERT INTO decider_offsets (topic, partition, decided_offset)
  SELECT o.topic, o.partition, o.decided_offset FROM ${arrays(['text', 'integer', 'bigint'], [topics, partitions, decided], ['topic', 'partition', 'decided_offset'], 'o')}, fence
  ON CONFLICT (topic, partition) DO UPDATE SET decided_offset = EXCLUDED.decided_offset)`);
  }
  if (w.latestAlerts.length > 0) {
    const names = ALERT_COLUMNS.map(([name]) => name);
    const updates = ALERT_LIFECYCLE_COLUMNS.filter((n) => n !== 'updated_at').map((n) => `${n} = EXCLUDED.${n}`);
    const source = arrays(ALERT_COLUMNS.map(([, type]) => type), ALERT_COLUMNS.map(([, , get]) => w.latestAlerts.map((c) => get(c.alert, c))), names, 'a');
    parts.push(`upserted AS (INSERT INTO alerts (${names.join(', ')})
  SELECT ${names.map((n) => `a.${n}`).join(', ')} FROM ${source}, fence
  ON CONFLICT (alert_id) DO UPDATE SET ${updates.join(', ')}, updated_at = now())`);
  }
  if (w.outbox.length > 0) {
    const first = values.length + 1;
    values.push(w.outbox.map((r) => r.alertId), w.outbox.map((r) => r.transition), w.outbox.map((r) => iso(r.changedAt)), w.outbox.map((r) => r.payload.toString('hex')));
    parts.push(`queued AS (INSERT INTO alert_outbox (alert_id, transition, changed_at, payload, decided_at)
  SELECT o.alert_id, o.transition, o.changed_at, decode(o.payload_hex, 'hex'), ${param(iso(w.decidedAt))}::timestamptz
  FROM unnest($${first}::text[], $${first + 1}::text[], $${first + 2}::timestamptz[], $${first + 3}::text[]) WITH ORDINALITY AS o(alert_id, transition, changed_at, payload_hex, n), fence
  ORDER BY o.n
  ON CONFLICT (alert_id, transition) DO NOTHING)`);
    // The history in the same order; its trigger chains each row onto the one before (migration 005).
    const changes = values.length + 1;
    values.push(w.outbox.map((r) => r.change));
    parts.push(`logged AS (INSERT INTO alert_log (alert_id, transition, change)
  SELECT l.alert_id, l.transition, l.change
  FROM unnest($${first}::text[], $${first + 1}::text[], $${changes}::text[]) WITH ORDINALITY AS l(alert_id, transition, change, n), fence
  ORDER BY l.n
  ON CONFLICT (alert_id, transition) DO NOTHING)`);
  }
  return { text: `WITH ${parts.join(',\n')}\nSELECT count(*)::int AS fenced FROM fence`, values };
}

// ---- retention ---------------------------------------------------------------------------------------------

/**
 * Deletes up to `limit` runs of records of a topic that a snapshot covers (every offset below the snapshot's for their
 * partition); answers how many records went. Their ids stay in record_ids until forgetIds.
 */
export function forgetCoveredRecords(topic: string, partitions: readonly number[], below: readonly number[], limit: number): Sql {
  return {
    text: `WITH covered AS (
  SELECT b.ctid FROM ${unnestOf(['integer', 'bigint'], ['partition', 'below'], 'o', 2)}
  JOIN record_batches b ON b.topic = $1 AND b.partition = o.partition AND b.to_offset <= o.below
  LIMIT $4),
gone AS (DELETE FROM record_batches b USING covered c WHERE b.ctid = c.ctid RETURNING b.record_count)
SELECT count(*)::int AS runs, COALESCE(sum(record_count), 0)::int AS forgotten FROM gone`,
    values: [topic, partitions, below, limit],
  };
}

/**
 * Forgets the ids of each stream's records dated before its instant (the core's duplicate rule, idsForgottenBefore)
 * that a snapshot covers (offset below its offset for their stream's partition, or no offset: remembered from a
 * record deleted before ids carried one), at most `limit` of them; answers how many went. $1, the latest instant,
 * lets the event-time index pass over the newer ids.
 */
export function forgetIds(before: ReadonlyMap<StreamName, number>, covered: readonly { stream: StreamName; partition: number; below: number }[], limit: number): Sql {
  const streams = [...before.keys()];
  return {
    text: `WITH horizon AS (SELECT * FROM ${unnestOf(['text', 'bigint'], ['stream', 'before'], 'h', 2)}),
old AS (
  SELECT i.ctid FROM record_ids i
  JOIN ${unnestOf(['text', 'integer', 'bigint'], ['stream', 'partition', 'below'], 'o', 4)} ON i.stream = o.stream AND i.source_partition = o.partition
  JOIN horizon h ON h.stream = o.stream
  WHERE i.event_time_ms < $1 AND i.event_time_ms < h.before AND i.source_offset < o.below
  UNION ALL
  SELECT i.ctid FROM record_ids i JOIN horizon h ON i.stream = h.stream
  WHERE i.event_time_ms < $1 AND i.event_time_ms < h.before AND i.source_offset IS NULL
  LIMIT $7),
gone AS (DELETE FROM record_ids i USING old WHERE i.ctid = old.ctid RETURNING 1)
SELECT count(*)::int AS forgotten FROM gone`,
    values: [
      Math.max(...before.values()), streams, streams.map((s) => before.get(s)!),
      covered.map((c) => c.stream), covered.map((c) => c.partition), covered.map((c) => c.below), limit,
    ],
  };
}

export function forgetDeadLetters(retentionMs: number): Sql {
  return { text: `DELETE FROM dead_letters WHERE stored_at < now() - $1::bigint * interval '1 millisecond'`, values: [retentionMs] };
}

// ---- publisher -------------------------------------------------------------------------------------------

export function unsentOutbox(limit: number): Sql {
  return {
    text: `SELECT seq, alert_id, transition, payload, (extract(epoch FROM decided_at) * 1000)::bigint AS decided_at_ms
FROM alert_outbox WHERE sent_at IS NULL ORDER BY seq LIMIT $1`,
    values: [limit],
  };
}

export function markOutboxSent(seqs: readonly number[]): Sql {
  return { text: `UPDATE alert_outbox SET sent_at = now() WHERE seq = ANY($1::bigint[]) AND sent_at IS NULL`, values: [seqs] };
}

/** How many alert messages wait unsent, and when the oldest of them was decided (epoch ms; null when none). */
export function outboxBacklog(): Sql {
  return {
    text: `SELECT count(*)::bigint AS unsent, (extract(epoch FROM min(decided_at)) * 1000)::bigint AS oldest_ms FROM alert_outbox WHERE sent_at IS NULL`,
    values: [],
  };
}

export function countUnsentOutbox(): Sql {
  return { text: `SELECT count(*)::bigint AS unsent FROM alert_outbox WHERE sent_at IS NULL`, values: [] };
}

export function firingAlertCounts(): Sql {
  return {
    text: `SELECT rule, severity, supplier, count(*)::bigint AS firing FROM alerts WHERE state = 'FIRING' GROUP BY rule, severity, supplier`,
    values: [],
  };
}

/** The TLS state of the connection that runs it (pg_stat_ssl shows every session its own row). */
export function connectionSecurity(): Sql {
  return { text: 'SELECT ssl, version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()', values: [] };
}
