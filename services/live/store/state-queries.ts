// Every SQL statement of the live verifier, built by pure functions returning { text, values }. Multi-row writes
// go through unnest() over one array per column: one round trip for a whole batch, whatever its size.
import type { Alert, AlertChange } from '../../core/alert.js';
import { STREAM_FIELDS, type StreamName } from '../../core/records.js';
import type { DeadLetterNote, OffsetRange, PartitionOffsets } from './state-store.js';
import { topicPartitionOf } from './topic-partition.js';

export interface Sql {
  readonly text: string;
  readonly values: readonly unknown[];
  /** Statements run for every batch are prepared once per connection under this name (the text never varies). */
  readonly name?: string;
}

type PgType = 'text' | 'bigint' | 'integer' | 'boolean' | 'timestamptz';

interface RecordColumn {
  readonly column: string;
  readonly field: string;
  readonly type: 'text' | 'bigint';
}

interface RecordTable {
  readonly table: string;
  readonly idColumn: string;
  readonly columns: readonly RecordColumn[];
  /** GP events and receipts also store their code's meaning, so the decider needs no catalogue. */
  readonly withMeaning: boolean;
}

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const TIME_FIELDS = new Set(['recordedAt', 'receivedAt', 'coversUpTo', 'sharedAt']);

/**
 * The record's `nhsNumber` field holds the keyed pseudonym once ingest has it (message-intake.ts), so its column is
 * `patient_ref`: no column holds an NHS number.
 */
function columnsOf(stream: StreamName): RecordColumn[] {
  return STREAM_FIELDS[stream].fields.map((field) => {
    if (field === 'nhsNumber') return { column: 'patient_ref', field, type: 'text' as const };
    if (TIME_FIELDS.has(field)) return { column: `${snake(field)}_ms`, field, type: 'bigint' as const };
    return { column: snake(field), field, type: field === 'recordCount' ? 'bigint' as const : 'text' as const };
  });
}

/** The table of each stream; column names follow the contract's field names (snake case, times in ms). */
export const RECORD_TABLES: { readonly [S in StreamName]: RecordTable } = {
  gpEvents: { table: 'gp_events', idColumn: 'event_id', columns: columnsOf('gpEvents'), withMeaning: true },
  ndsReceived: { table: 'nds_received', idColumn: 'receipt_id', columns: columnsOf('ndsReceived'), withMeaning: true },
  ndsManifests: { table: 'nds_manifests', idColumn: 'extract_id', columns: columnsOf('ndsManifests'), withMeaning: false },
  ndsDisseminations: { table: 'nds_disseminations', idColumn: 'dissemination_id', columns: columnsOf('ndsDisseminations'), withMeaning: false },
};

/**
 * A PostgreSQL array literal: every element quoted (numbers too: the array's type parses them), NULL for null.
 * node-postgres would build the same text, element by element through a regular expression; on the ingest path
 * that is a tenth of the service's time, so the batch's columns are written here in one pass.
 */
export function arrayLiteral(values: readonly unknown[]): string {
  let text = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) text += ',';
    const value = values[i];
    if (value === null || value === undefined) {
      text += 'NULL';
      continue;
    }
    const element = String(value);
    text += element.includes('"') || element.includes('\\') ? `"${element.replace(/["\\]/g, '\\$&')}"` : `"${element}"`;
  }
  return `${text}}`;
}

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

export interface RecordRow {
  readonly fields: Readonly<Record<string, unknown>>;
  readonly optOutType: string | null;
  readonly action: string | null;
  readonly contentHash: string;
  readonly offset: number;
}

/**
 * Inserts records, the first valid one of an id winning; returns the ids that were stored already, or are remembered
 * from records no longer kept (usually none, so a batch of thousands answers with no rows).
 */
export function insertRecords(stream: StreamName, topic: string, partition: number, rows: readonly RecordRow[]): Sql {
  const spec = RECORD_TABLES[stream];
  const names = spec.columns.map((c) => c.column);
  const types: PgType[] = spec.columns.map((c) => c.type);
  const values: unknown[] = spec.columns.map((c) => rows.map((r) => r.fields[c.field] ?? null));
  if (spec.withMeaning) {
    names.push('opt_out_type', 'action');
    types.push('text', 'text');
    values.push(rows.map((r) => r.optOutType), rows.map((r) => r.action));
  }
  names.push('content_hash_hex', 'source_offset');
  types.push('text', 'bigint');
  values.push(rows.map((r) => r.contentHash), rows.map((r) => r.offset));
  const targets = [...names.slice(0, -2), 'content_hash', 'topic', 'source_partition', 'source_offset'];
  const selected = [...names.slice(0, -2), `decode(r.content_hash_hex, 'hex')`, `$${values.length + 1}`, `$${values.length + 2}`, 'r.source_offset'];
  const id = spec.idColumn;
  return {
    text: `WITH r AS (SELECT * FROM ${unnestOf(types, names, 'r', 1)}),
inserted AS (
  INSERT INTO ${spec.table} (${targets.join(', ')})
  SELECT ${selected.join(', ')} FROM r
  WHERE NOT EXISTS (SELECT 1 FROM remembered_ids k WHERE k.stream = '${stream}' AND k.id = r.${id})
  ON CONFLICT (${id}) DO NOTHING
  RETURNING ${id})
SELECT r.${id} AS id FROM r WHERE NOT EXISTS (SELECT 1 FROM inserted i WHERE i.${id} = r.${id})`,
    values: [...values.map((column) => arrayLiteral(column as unknown[])), topic, partition],
    name: `insert-${spec.table}`,
  };
}

/** Around one insert of records, so that a record the store refuses can be set apart (pg-state-store.ts). */
export const SAVEPOINT: Sql = { text: 'SAVEPOINT insert_records', values: [] };
export const RELEASE_SAVEPOINT: Sql = { text: 'RELEASE SAVEPOINT insert_records', values: [] };
/** Undoes the insert and ends the savepoint (ROLLBACK TO alone would keep it). */
export const ROLLBACK_TO_SAVEPOINT: Sql = { text: 'ROLLBACK TO SAVEPOINT insert_records; RELEASE SAVEPOINT insert_records', values: [] };

/** Content fingerprints of records stored before, or remembered from records no longer kept, by id. */
export function storedContentHashes(stream: StreamName, ids: readonly string[]): Sql {
  const spec = RECORD_TABLES[stream];
  return {
    text: `SELECT ${spec.idColumn} AS id, encode(content_hash, 'hex') AS content_hash FROM ${spec.table} WHERE ${spec.idColumn} = ANY($1::text[])
UNION ALL SELECT id, encode(content_hash, 'hex') FROM remembered_ids WHERE stream = '${stream}' AND id = ANY($1::text[])`,
    values: [ids],
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

export function deciderSnapshot(): Sql {
  return { text: `SELECT format, stream_time_ms, offsets, state FROM decider_snapshot`, values: [] };
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

/** The stored records of one stream with offsets in the given ranges, in (partition, offset) order. */
export function recordsInRanges(stream: StreamName, topic: string, ranges: readonly OffsetRange[]): Sql {
  const spec = RECORD_TABLES[stream];
  const columns = [...spec.columns.map((c) => `t.${c.column}`), ...(spec.withMeaning ? ['t.opt_out_type', 't.action'] : []), 't.source_partition', 't.source_offset'];
  return {
    text: `SELECT ${columns.join(', ')}
FROM ${unnestOf(['integer', 'bigint', 'bigint'], ['partition', 'from_offset', 'to_offset'], 'r', 2)}
JOIN ${spec.table} t ON t.source_partition = r.partition AND t.source_offset >= r.from_offset AND t.source_offset < r.to_offset
  AND t.topic = $1
ORDER BY t.source_partition, t.source_offset`,
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
 * Locks the progress rows of a topic's partitions for the transaction: ingest of those partitions waits, so a
 * redelivered record is judged either against its stored first or against the id remembered in its place.
 */
export function lockPartitionsForRetention(topic: string, partitions: readonly number[]): Sql {
  return { text: `SELECT partition FROM input_partitions WHERE topic = $1 AND partition = ANY($2::integer[]) ORDER BY partition FOR UPDATE`, values: [topic, partitions] };
}

/**
 * Deletes up to `limit` records of a topic that a snapshot covers (offset below the snapshot's for their partition)
 * and remembers their ids and content fingerprints in their place; answers how many went.
 */
export function forgetCoveredRecords(stream: StreamName, topic: string, partitions: readonly number[], below: readonly number[], limit: number): Sql {
  const spec = RECORD_TABLES[stream];
  const time = spec.columns.find((c) => c.field === STREAM_FIELDS[stream].time)!.column;
  return {
    text: `WITH covered AS (
  SELECT t.ctid FROM ${unnestOf(['integer', 'bigint'], ['partition', 'below'], 'o', 2)}
  JOIN ${spec.table} t ON t.source_partition = o.partition AND t.source_offset < o.below AND t.topic = $1
  LIMIT $4),
gone AS (DELETE FROM ${spec.table} t USING covered c WHERE t.ctid = c.ctid RETURNING t.${spec.idColumn} AS id, t.content_hash, t.${time} AS event_time_ms),
kept AS (INSERT INTO remembered_ids (stream, id, content_hash, event_time_ms) SELECT '${stream}', id, content_hash, event_time_ms FROM gone
  ON CONFLICT (stream, id) DO NOTHING)
SELECT count(*)::int AS forgotten FROM gone`,
    values: [topic, partitions, below, limit],
  };
}

/** Forgets the ids of records dated more than the horizon before the stream time. */
export function forgetRememberedIds(before: number): Sql {
  return { text: `DELETE FROM remembered_ids WHERE event_time_ms < $1`, values: [before] };
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
