// The StateStore port on PostgreSQL: the one module of the service that talks to the database (with the
// migration runner). Statements come from state-queries.ts; this file owns connections and transactions.
import pg from 'pg';
import { canonicalChange } from '../../audit/alert-change-form.js';
import type { AlertChange } from '../../core/alert.js';
import { conflictingDuplicate, sightingAgainst } from '../../core/duplicates.js';
import { STREAM_FIELDS, type StreamName } from '../../core/records.js';
import { connectionFields, databaseConnection, dropIfUnanswered, queryTimeoutMs } from './database-connection.js';
import { recordRejectionState, storeFailure, VerifierError } from '../errors.js';
import { HeldBatches, type BatchRow } from './held-batches.js';
import { recordIdKey } from './record-id-key.js';
import { addOtherNumbers, parseRecordLines } from './record-lines.js';
import * as q from './state-queries.js';
import { partitionMapOf, topicPartitionOf, partitionKey, type PartitionKey } from './topic-partition.js';
import {
  type ConnectionSecurity, type DeadLetterNote, type DeciderCheckpoint, type DeciderCut, type DeciderSession, type IngestAccount, type IngestBatch,
  type IngestItem, type IngestOutcome, type IngestRefusal, type OffsetRange, type OutboxMessage, type PartitionProgress, type PublishDeadLetters,
  type RetentionOutcome, type RetentionPlan, type RoundCommit, sameCover, type SnapshotCover, type StateStore, type StoredAlertCounts, type StoredRecord,
  type StoredSnapshot, type TopicPartition,
} from './state-store.js';

type ValidItem = Extract<IngestItem, { kind: 'valid' }>;

const UNIQUE_VIOLATION = '23505';
/** lock_timeout passed while waiting for a lock. */
const LOCK_NOT_AVAILABLE = '55P03';

function sqlstateOf(error: unknown): string | undefined {
  const cause = error instanceof VerifierError ? error.cause : error;
  return cause instanceof pg.DatabaseError ? cause.code : undefined;
}

const eventTimeOf = (item: ValidItem): number => (item.record as unknown as Readonly<Record<string, number>>)[STREAM_FIELDS[item.stream].time]!;

export interface PgStateStoreOptions {
  readonly databaseUrl: string;
  readonly schema: string;
  readonly poolSize: number;
  readonly applicationName: string;
  /** Idle connections that fail are reported here (pg would otherwise crash the process). */
  readonly onConnectionError: (error: Error) => void;
  /** From DATABASE_PASSWORD_FILE; absent: the URL's, or PGPASSWORD. */
  readonly password?: string | null;
  /** Session settings of every connection: a statement or a lock wait longer than these fails, and is retried. */
  readonly statementTimeoutMs?: number;
  readonly lockTimeoutMs?: number;
  /** The decider's snapshot is read in pieces of at most this many bytes (state-queries.ts, deciderSnapshot). */
  readonly snapshotPieceBytes?: number;
}

const SNAPSHOT_PIECE_BYTES = 64 << 20;

/** int8 as a JS number: offsets, counts and epoch milliseconds all stay below 2^53. */
function typeOverrides(): pg.TypeOverrides {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
  return types;
}

/**
 * TCP keepalive probes after this long idle: the decider's lock is held by a connection idle between rounds, and with
 * the system's default (two hours) one whose server vanished behind a dropped network would look held that long.
 */
const KEEPALIVE_IDLE_MS = 10_000;

function clientConfig(options: PgStateStoreOptions): pg.ClientConfig {
  return {
    ...connectionFields(databaseConnection(options.databaseUrl, options)), application_name: options.applicationName, types: typeOverrides(),
    connectionTimeoutMillis: 10_000, keepAlive: true, keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS,
  };
}

/**
 * Ingest waits for its WAL to reach disk, whatever the server's default: once a batch is committed, its offsets go to
 * Kafka, its records to the decider's memory and its dead letters have been published, so a commit a server crash
 * could take back would leave those ahead of what PostgreSQL holds (measured cost: README, "When PostgreSQL crashes").
 */
const BEGIN_INGEST = 'BEGIN; SET LOCAL synchronous_commit TO on';

/** Runs of records (each a batch, most often) forgotten per retention statement. */
const RETENTION_SLICE = 200;
/** Ids forgotten in one statement. */
const ID_SLICE = 20_000;

const searchPath = (schema: string): string => `SET search_path TO ${pg.escapeIdentifier(schema)}`;

type Queryable = pg.PoolClient | pg.Client;

async function run<R extends pg.QueryResultRow = pg.QueryResultRow>(client: Queryable, sql: q.Sql, doing: string): Promise<pg.QueryResult<R>> {
  try {
    return await client.query<R>({ text: sql.text, values: sql.values as unknown[], ...(sql.name ? { name: sql.name } : {}) });
  } catch (error) {
    dropIfUnanswered(client, error);
    throw storeFailure(error, doing);
  }
}

/**
 * The stored snapshot, read in pieces (state-queries.ts); or 'held' when it covers exactly `held`, whose bytes the
 * caller has restored already (one small query, the bytes not read).
 */
async function readSnapshot(client: Queryable, held: SnapshotCover | null, pieceBytes: number): Promise<StoredSnapshot | 'held' | null> {
  if (held !== null) {
    const cover = (await run<{ stream_time_ms: number | null; offsets: Record<string, number> }>(client, q.deciderSnapshotCover(), 'reading the snapshot\'s cover')).rows[0];
    if (cover === undefined) return null;
    if (sameCover(held, { streamTime: cover.stream_time_ms, offsets: partitionMapOf(cover.offsets) })) return 'held';
  }
  const pieces = await run<{ format: number; stream_time_ms: number | null; offsets: Record<string, number>; piece: Buffer }>(client, q.deciderSnapshot(pieceBytes), 'loading the snapshot');
  const first = pieces.rows[0];
  if (first === undefined) return null;
  const state = pieces.rows.length === 1 ? first.piece : Buffer.concat(pieces.rows.map((r) => r.piece));
  return { format: first.format, streamTime: first.stream_time_ms, offsets: partitionMapOf(first.offsets), state };
}

export class PgStateStore implements StateStore {
  readonly #pool: pg.Pool;
  readonly #options: PgStateStoreOptions;

  constructor(options: PgStateStoreOptions) {
    this.#options = options;
    this.#pool = new pg.Pool({ ...clientConfig(options), max: options.poolSize, idleTimeoutMillis: 30_000 });
    this.#pool.on('connect', (client) => {
      client.query(searchPath(options.schema)).catch(() => { /* the next query on this client fails and says why */ });
    });
    this.#pool.on('error', (error) => options.onConnectionError(error));
  }

  async #withClient<T>(doing: string, use: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw storeFailure(error, `connecting (${doing})`);
    }
    let broken: Error | undefined;
    // While checked out, a connection that fails between two queries reports it as an event, not a rejection.
    const onError = (error: Error) => { broken ??= error; };
    client.on('error', onError);
    try {
      return await use(client);
    } catch (error) {
      if (error instanceof VerifierError && error.code === 'STORE_UNAVAILABLE') broken ??= error;
      throw error;
    } finally {
      client.off('error', onError);
      // A client whose connection failed is destroyed rather than returned to the pool.
      client.release(broken);
    }
  }

  async #transaction<T>(doing: string, use: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    return this.#withClient(doing, async (client) => {
      await run(client, { text: begin, values: [] }, doing);
      try {
        const result = await use(client);
        await run(client, { text: 'COMMIT', values: [] }, doing);
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  }

  /**
   * A batch is inserted in one statement. Should the store refuse a record for its own sake, the transaction is run
   * again record by record where needed (#insertRecords): each refused record becomes a dead letter, the rest is stored.
   */
  async ingest(batch: IngestBatch, publishDeadLetters: PublishDeadLetters): Promise<IngestOutcome | IngestRefusal> {
    let isolateRefusals = false;
    for (let races = 0; ; ) {
      try {
        return await this.#ingestOnce(batch, publishDeadLetters, isolateRefusals);
      } catch (error) {
        // Another partition's transaction claimed an id of this batch after this one looked it up (claimIdsAndStore):
        // the other has committed by now, so the next attempt finds the id claimed. A third may have claimed another
        // id meanwhile: each race leaves one more id of the batch claimed, so there are at most as many as its records.
        if (sqlstateOf(error) === UNIQUE_VIOLATION && races < batch.items.length) {
          races++;
          continue;
        }
        if (isolateRefusals || recordRejectionState(error) === null) throw error;
        isolateRefusals = true;
      }
    }
  }

  #ingestOnce(batch: IngestBatch, publishDeadLetters: PublishDeadLetters, isolateRefusals: boolean): Promise<IngestOutcome | IngestRefusal> {
    const doing = `storing ${batch.topic}/${batch.partition}`;
    return this.#transaction(doing, async (client): Promise<IngestOutcome | IngestRefusal> => {
      const locked = await run<{ next_offset: number }>(client, q.lockPartitionProgress(batch.topic, batch.partition), doing);
      const previousOffset = locked.rows[0]!.next_offset;
      // Only what PostgreSQL holds says where the partition stands: after a crash of the server, a consumer (or a
      // process's memory) can be ahead of it.
      if (batch.fetchedFrom > previousOffset && !batch.gapAccepted) return { kind: 'refused', storedOffset: previousOffset };
      const fresh = batch.items.filter((item) => item.offset >= previousOffset);
      // Nothing new, unless the batch passes over offsets with no record (transaction markers): those are counted.
      if (fresh.length === 0 && batch.nextOffset <= previousOffset) {
        return { kind: 'stored', previousOffset, nextOffset: previousOffset, stored: 0, duplicates: 0, deadLetters: [], maxEventTime: null, records: [] };
      }
      const judged = await this.#judgeDuplicates(client, batch, fresh, doing, isolateRefusals);
      const deadLetters = judged.deadLetters;
      if (deadLetters.length > 0) {
        await publishDeadLetters(deadLetters);
        await run(client, q.insertDeadLetters(batch.topic, batch.partition, deadLetters), doing);
      }
      const nextOffset = Math.max(previousOffset, batch.nextOffset);
      // Offsets the fetch went over that held no message; a gap before the fetch began is not counted (accepted or not).
      const absent = nextOffset - Math.max(previousOffset, batch.fetchedFrom) - fresh.length;
      await run(client, q.advancePartition({
        topic: batch.topic, partition: batch.partition, nextOffset, maxEventTime: judged.maxEventTime,
        stored: judged.stored, duplicates: judged.duplicates, deadLetters: deadLetters.length, absent, sawRecords: fresh.length > 0,
      }), doing);
      return { kind: 'stored', previousOffset, nextOffset, stored: judged.stored, duplicates: judged.duplicates, deadLetters, maxEventTime: judged.maxEventTime, records: judged.records };
    }, BEGIN_INGEST);
  }

  /**
   * Duplicates among valid records, in offset order: the first valid record of an id is stored unless one is
   * stored already; every other one with that id is a duplicate when its content is the stored one's, else a
   * CONFLICTING_DUPLICATE. Dead letters from decoding and validation never claim an id, nor does a record the store
   * refused: the next record of its id is then the first.
   */
  async #judgeDuplicates(client: pg.PoolClient, batch: IngestBatch, fresh: readonly IngestItem[], doing: string, isolateRefusals: boolean) {
    const refused = new Map<ValidItem, string>();
    const firstOf = new Map<string, ValidItem>();
    // Ids stored before this batch, which it did not insert (usually none).
    const storedBefore = new Set<string>();
    for (let attempted: Set<ValidItem> | null = null; ;) {
      firstOf.clear();
      for (const item of fresh) {
        if (item.kind === 'valid' && !refused.has(item) && !firstOf.has(item.id)) firstOf.set(item.id, item);
      }
      // Once records are refused, the next record of each of their ids is the first: it is tried in turn.
      const candidates = attempted === null ? [...firstOf.values()] : [...firstOf.values()].filter((item) => !attempted!.has(item));
      if (candidates.length === 0) break;
      const before = refused.size;
      for (const id of await this.#insertRecords(client, batch, candidates, doing, isolateRefusals, refused)) storedBefore.add(id);
      if (refused.size === before) break;
      attempted ??= new Set();
      for (const item of candidates) attempted.add(item);
    }
    // The first content of each id stored before, from the store; an id this batch inserted has its first record's.
    const storedContent = new Map<string, string>();
    if (storedBefore.size > 0) {
      const idOfKey = new Map([...storedBefore].map((id) => [recordIdKey(batch.stream, id), id]));
      const found = await run<{ key: string; content_hash: string }>(client, q.storedContentHashes([...idOfKey.keys()]), doing);
      for (const row of found.rows) storedContent.set(idOfKey.get(row.key)!, row.content_hash);
    }
    const deadLetters: DeadLetterNote[] = [];
    let duplicates = 0;
    let maxEventTime: number | null = null;
    const records: StoredRecord[] = [];
    for (const item of fresh) {
      if (item.kind === 'dead') {
        deadLetters.push({ offset: item.offset, reason: item.reason, detail: item.detail });
        continue;
      }
      const state = refused.get(item);
      if (state !== undefined) {
        // Decoded and valid under the contract, but a field holds what the state store cannot keep: INVALID_FIELD
        // (the value is outside the form the live service can hold), not UNDECODABLE (its bytes were read).
        deadLetters.push({ offset: item.offset, reason: 'INVALID_FIELD', detail: `the state store cannot hold a field of this record (SQLSTATE ${state})` });
        continue;
      }
      const first = firstOf.get(item.id)!;
      const inserted = !storedBefore.has(item.id);
      if (inserted && first === item) {
        records.push({ stream: item.stream, topic: batch.topic, partition: batch.partition, offset: item.offset, record: item.record, meaning: item.meaning } as StoredRecord);
      } else {
        const stored = inserted ? first.contentHash : storedContent.get(item.id);
        if (stored === undefined) throw new Error(`ingest: record id of ${batch.topic}/${batch.partition}@${item.offset} neither stored nor found`);
        // The unique index found the id; the core says what the sighting is and what its dead letter says.
        if (sightingAgainst(stored, item.contentHash) === 'conflict') {
          deadLetters.push({ offset: item.offset, ...conflictingDuplicate(item.stream) });
          continue;
        }
        duplicates++;
      }
      if (maxEventTime === null || item.eventTime > maxEventTime) maxEventTime = item.eventTime;
    }
    deadLetters.sort((a, b) => a.offset - b.offset);
    return { deadLetters, duplicates, stored: records.length, maxEventTime, records };
  }

  /**
   * Inserts records (the first of each id); returns the ids stored before, which were not inserted. Isolating
   * refusals, each insert runs under a savepoint, and a set the store refuses for a record's sake (errors.ts,
   * recordRejectionState) is halved until the records refused are found: they are added to `refused` with their
   * SQLSTATE, the others stored.
   */
  async #insertRecords(client: pg.PoolClient, batch: IngestBatch, items: readonly ValidItem[], doing: string, isolateRefusals: boolean, refused: Map<ValidItem, string>): Promise<string[]> {
    // Each record's key and line come with it (message-intake.ts), made once however often it is tried.
    const runOf = (part: readonly ValidItem[]): q.RecordRun => {
      const lines: string[] = [];
      const numbers: number[] = [];
      for (const item of part) {
        lines.push(item.line);
        addOtherNumbers(item.stream, item.record, numbers);
      }
      return { from: part[0]!.offset, to: part[part.length - 1]!.offset + 1, count: part.length, lines: lines.join('\n'), numbers };
    };
    const insert = async (part: readonly ValidItem[]): Promise<string[]> => {
      const ids = { keys: [] as string[], contentHashes: [] as string[], eventTimes: [] as number[], offsets: [] as number[] };
      for (const item of part) {
        ids.keys.push(item.idKey);
        ids.contentHashes.push(item.contentHash);
        // The event time as the record holds it (the line's own), so that PostgreSQL reads it as a bigint.
        ids.eventTimes.push(eventTimeOf(item));
        ids.offsets.push(item.offset);
      }
      const claimed = await run<{ key: string }>(client, q.claimIdsAndStore(batch.stream, batch.topic, batch.partition, ids, runOf(part)), doing);
      if (claimed.rows.length === 0) return [];
      // Some ids were taken: the run was not stored; the records that did claim theirs are stored as one.
      const taken = new Set(claimed.rows.map((r) => r.key));
      const kept = part.filter((item) => !taken.has(item.idKey));
      if (kept.length > 0) await run(client, q.insertRecordRun(batch.stream, batch.topic, batch.partition, runOf(kept)), doing);
      return part.filter((item) => taken.has(item.idKey)).map((item) => item.id);
    };
    if (!isolateRefusals) return insert(items);
    const storedBefore: string[] = [];
    const attempt = async (part: readonly ValidItem[]): Promise<void> => {
      if (part.length === 0) return;
      await run(client, q.SAVEPOINT, doing);
      try {
        storedBefore.push(...await insert(part));
        await run(client, q.RELEASE_SAVEPOINT, doing);
      } catch (error) {
        const state = recordRejectionState(error);
        if (state === null) throw error;
        await run(client, q.ROLLBACK_TO_SAVEPOINT, doing);
        if (part.length === 1) {
          refused.set(part[0]!, state);
          return;
        }
        const half = Math.ceil(part.length / 2);
        await attempt(part.slice(0, half));
        await attempt(part.slice(half));
      }
    };
    await attempt(items);
    return storedBefore;
  }

  async storedOffsets(partitions: readonly TopicPartition[]): Promise<Map<PartitionKey, number>> {
    const result = new Map<PartitionKey, number>();
    if (partitions.length === 0) return result;
    const sql = q.storedOffsets(partitions.map((p) => p.topic), partitions.map((p) => p.partition));
    const rows = await this.#withClient('reading stored offsets', (client) => run<{ topic: string; partition: number; next_offset: number }>(client, sql, 'reading stored offsets'));
    for (const row of rows.rows) result.set(partitionKey(row.topic, row.partition), row.next_offset);
    return result;
  }

  async ingestAccounts(): Promise<IngestAccount[]> {
    const result = await this.#withClient('checking ingest accounts', (client) =>
      run<{ topic: string; partition: number; next_offset: number; unaccounted: number }>(client, q.ingestAccounts(), 'checking ingest accounts'));
    return result.rows.map((r) => ({ topic: r.topic, partition: r.partition, nextOffset: r.next_offset, unaccounted: r.unaccounted }));
  }

  async tryLead(name: string, waitMs = 0): Promise<DeciderSession | null> {
    const client = new pg.Client(clientConfig(this.#options));
    const lost = new Promise<Error>((resolve) => {
      client.on('error', (error) => resolve(storeFailure(error, 'decider connection')));
      client.on('end', () => resolve(new VerifierError('LEADERSHIP_LOST', 'decider connection ended', { retriable: true })));
    });
    try {
      await client.connect();
    } catch (error) {
      throw storeFailure(error, 'connecting the decider');
    }
    try {
      await run(client, { text: searchPath(this.#options.schema), values: [] }, 'setting the schema');
      if (!(await this.#takeDeciderLock(client, waitMs))) {
        await client.end().catch(() => {});
        return null;
      }
      const claimed = await run<{ leader_epoch: number; stream_time_ms: number | null }>(client, q.claimLeadership(name), 'claiming leadership');
      const row = claimed.rows[0];
      if (!row) throw new VerifierError('SCHEMA_NOT_MIGRATED', 'decider_state has no row: run the migrations', { retriable: false });
      return new PgDeciderSession(client, row.leader_epoch, row.stream_time_ms, lost, this.#options.schema, Math.max(1, this.#options.snapshotPieceBytes ?? SNAPSHOT_PIECE_BYTES));
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
  }

  /**
   * Takes the decider lock on the client's session if it is free; with waitMs, waits that long for the session that
   * holds it to end (the lock is granted the moment it does), in a transaction whose lock_timeout is waitMs (and
   * statement_timeout a little longer, so that a short DB_STATEMENT_TIMEOUT cannot end the wait first). The lock
   * is the session's, kept past the transaction.
   */
  async #takeDeciderLock(client: pg.Client, waitMs: number): Promise<boolean> {
    if (waitMs <= 0) return (await run<{ locked: boolean }>(client, q.tryDeciderLock(this.#options.schema), 'taking the decider lock')).rows[0]?.locked === true;
    await run(client, { text: 'BEGIN', values: [] }, 'taking the decider lock');
    await run(client, q.localLockWait(waitMs), 'taking the decider lock');
    try {
      const wait = q.waitDeciderLock(this.#options.schema);
      // The client's wait for an answer follows the transaction's statement_timeout, not the session's.
      const config: pg.QueryConfig & { query_timeout: number } = { text: wait.text, values: wait.values as unknown[], query_timeout: queryTimeoutMs(q.localStatementTimeoutMs(waitMs)) };
      await client.query(config);
    } catch (error) {
      dropIfUnanswered(client, error);
      if (sqlstateOf(error) === LOCK_NOT_AVAILABLE) return false;
      throw storeFailure(error, 'taking the decider lock');
    }
    await run(client, { text: 'COMMIT', values: [] }, 'taking the decider lock');
    return true;
  }

  async retain(plan: RetentionPlan): Promise<RetentionOutcome> {
    const byTopic = new Map<string, { partitions: number[]; below: number[] }>();
    for (const [key, offset] of plan.covered) {
      const { topic, partition } = topicPartitionOf(key);
      if (!plan.streamOfTopic.has(topic)) continue;
      const entry = byTopic.get(topic) ?? { partitions: [], below: [] };
      entry.partitions.push(partition);
      entry.below.push(offset);
      byTopic.set(topic, entry);
    }
    let records = 0;
    for (const [topic, { partitions, below }] of byTopic) {
      // In slices, each its own short statement: ingest never waits for it (ids stay where they are).
      for (;;) {
        const forgotten = await this.#withClient(`forgetting records of ${topic}`, (client) =>
          run<{ runs: number; forgotten: number }>(client, q.forgetCoveredRecords(topic, partitions, below, RETENTION_SLICE), 'forgetting records'));
        records += forgotten.rows[0]?.forgotten ?? 0;
        if ((forgotten.rows[0]?.runs ?? 0) < RETENTION_SLICE) break;
      }
    }
    let ids = 0;
    if (plan.forgetIdsBefore.size > 0) {
      // An id goes once past the horizon and covered by the snapshot (its record no longer needed to rebuild).
      const below = new Map<string, { stream: StreamName; partition: number; below: number }>();
      for (const [key, offset] of plan.covered) {
        const { topic, partition } = topicPartitionOf(key);
        const stream = plan.streamOfTopic.get(topic);
        if (stream === undefined) continue;
        const at = `${stream}:${partition}`;
        below.set(at, { stream, partition, below: Math.min(offset, below.get(at)?.below ?? offset) });
      }
      // In slices, as the records: a backlog's worth of ids in one statement can outlast the statement timeout.
      for (;;) {
        const forgotten = await this.#withClient('forgetting old record ids', (client) =>
          run<{ forgotten: number }>(client, q.forgetIds(plan.forgetIdsBefore, [...below.values()], ID_SLICE), 'forgetting old record ids'));
        ids += forgotten.rows[0]?.forgotten ?? 0;
        if ((forgotten.rows[0]?.forgotten ?? 0) < ID_SLICE) break;
      }
    }
    const count = async (sql: q.Sql, doing: string) => (await this.#withClient(doing, (client) => run(client, sql, doing))).rowCount ?? 0;
    const deadLetters = await count(q.forgetDeadLetters(plan.deadLetterRetentionMs), 'forgetting old dead letters');
    return { records, ids, deadLetters };
  }

  async unsentAlerts(limit: number): Promise<OutboxMessage[]> {
    const result = await this.#withClient('reading the outbox', (client) =>
      run<{ seq: number; alert_id: string; transition: string; payload: Buffer; decided_at_ms: number }>(client, q.unsentOutbox(limit), 'reading the outbox'));
    return result.rows.map((r) => ({ seq: r.seq, alertId: r.alert_id, transition: r.transition, payload: r.payload, decidedAt: r.decided_at_ms }));
  }

  async markSent(seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.#withClient('marking alerts sent', (client) => run(client, q.markOutboxSent(seqs), 'marking alerts sent'));
  }

  async outboxBacklog(): Promise<{ unsent: number; oldestDecidedAt: number | null }> {
    const result = await this.#withClient('reading the outbox backlog', (client) =>
      run<{ unsent: number; oldest_ms: number | null }>(client, q.outboxBacklog(), 'reading the outbox backlog'));
    return { unsent: result.rows[0]?.unsent ?? 0, oldestDecidedAt: result.rows[0]?.oldest_ms ?? null };
  }

  async countUnsent(): Promise<number> {
    const result = await this.#withClient('counting the outbox', (client) => run<{ unsent: number }>(client, q.countUnsentOutbox(), 'counting the outbox'));
    return result.rows[0]?.unsent ?? 0;
  }

  async firingAlerts(): Promise<StoredAlertCounts[]> {
    const result = await this.#withClient('counting firing alerts', (client) =>
      run<{ rule: string; severity: string; supplier: string; firing: number }>(client, q.firingAlertCounts(), 'counting firing alerts'));
    return result.rows.map((r) => ({ rule: r.rule, severity: r.severity, supplier: r.supplier, firing: r.firing }));
  }

  async latestSnapshot(held: SnapshotCover | null): Promise<StoredSnapshot | 'held' | null> {
    return this.#withClient('reading the snapshot', (client) => readSnapshot(client, held, Math.max(1, this.#options.snapshotPieceBytes ?? SNAPSHOT_PIECE_BYTES)));
  }

  async reportStandby(name: string, held: SnapshotCover | null): Promise<void> {
    const sql = held === null ? q.withdrawStandby(name) : q.reportStandby(name, held.streamTime, held.offsets);
    await this.#withClient('saying which snapshot this standby holds', (client) => run(client, sql, 'saying which snapshot this standby holds'));
  }

  async ping(): Promise<void> {
    await this.#withClient('ping', (client) => run(client, { text: 'SELECT 1 FROM decider_state', values: [] }, 'ping'));
  }

  async connectionSecurity(): Promise<ConnectionSecurity> {
    const result = await this.#withClient('reading the connection\'s TLS state', (client) =>
      run<{ ssl: boolean | null; version: string | null; cipher: string | null }>(client, q.connectionSecurity(), 'reading the connection\'s TLS state'));
    const row = result.rows[0];
    return { tls: row?.ssl === true, version: row?.version ?? null, cipher: row?.cipher ?? null };
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

class PgDeciderSession implements DeciderSession {
  readonly #client: pg.Client;
  readonly #streamTime: number | null;
  readonly #schema: string;
  readonly #snapshotPieceBytes: number;
  readonly #heldBatches = new HeldBatches();
  #released = false;

  constructor(client: pg.Client, readonly epoch: number, streamTime: number | null, readonly lost: Promise<Error>, schema: string, snapshotPieceBytes: number) {
    this.#client = client;
    this.#streamTime = streamTime;
    this.#schema = schema;
    this.#snapshotPieceBytes = snapshotPieceBytes;
  }

  async loadCheckpoint(held: SnapshotCover | null = null): Promise<DeciderCheckpoint> {
    const offsets = await run<{ topic: string; partition: number; decided_offset: number }>(this.#client, q.decidedOffsets(), 'loading the checkpoint');
    const cuts = await run<{ stream_time_ms: number | null; offsets: Record<string, number> }>(this.#client, q.deciderCuts(), 'loading the checkpoint');
    const snapshot = await readSnapshot(this.#client, held, this.#snapshotPieceBytes);
    return {
      streamTime: this.#streamTime,
      offsets: new Map(offsets.rows.map((r) => [partitionKey(r.topic, r.partition), r.decided_offset])),
      snapshot: snapshot === 'held' ? null : snapshot,
      snapshotHeld: snapshot === 'held',
      cuts: cuts.rows.map((r): DeciderCut => ({ streamTime: r.stream_time_ms, offsets: partitionMapOf(r.offsets) })),
    };
  }

  async readProgress(): Promise<PartitionProgress[]> {
    const result = await run<{ topic: string; partition: number; next_offset: number; max_event_time_ms: number | null; since_last_record_ms: number | null }>(
      this.#client, q.partitionProgress(), 'reading ingest progress');
    return result.rows.map((r) => ({ topic: r.topic, partition: r.partition, nextOffset: r.next_offset, maxEventTime: r.max_event_time_ms, sinceLastRecordMs: r.since_last_record_ms }));
  }

  async loadRecords(ranges: readonly OffsetRange[]): Promise<StoredRecord[]> {
    const byTopic = new Map<string, OffsetRange[]>();
    for (const range of ranges) {
      if (range.to <= range.from) continue;
      const list = byTopic.get(range.topic);
      if (list) list.push(range);
      else byTopic.set(range.topic, [range]);
    }
    const records: StoredRecord[] = [];
    for (const [topic, list] of byTopic) {
      const stream = list[0]!.stream;
      const found: StoredRecord[] = [];
      for (const [partition, rows] of await this.#rowsOf(topic, list)) {
        const inRange = list.filter((r) => r.partition === partition);
        for (const row of rows.values()) found.push(...parseRecordLines(stream, topic, partition, row.records, (offset) => inRange.some((r) => offset >= r.from && offset < r.to)));
      }
      // A batch some of whose records the store refused may be held as several runs, not in offset order.
      found.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
      records.push(...found);
    }
    return records;
  }

  /**
   * Every stored row overlapping a topic's ranges, by partition and then by first offset (so each row once): held
   * where every row of a range is held, the rest read in one query and held for the ranges after them.
   */
  async #rowsOf(topic: string, ranges: readonly OffsetRange[]): Promise<Map<number, Map<number, BatchRow>>> {
    const rowsOf = new Map<number, Map<number, BatchRow>>();
    const add = (partition: number, rows: readonly BatchRow[]) => {
      let byFrom = rowsOf.get(partition);
      if (byFrom === undefined) rowsOf.set(partition, (byFrom = new Map()));
      for (const row of rows) byFrom.set(row.from, row);
    };
    const toRead: OffsetRange[] = [];
    for (const range of ranges) {
      const held = this.#heldBatches.take(partitionKey(topic, range.partition), range.from, range.to);
      if (held === null) toRead.push(range);
      else add(range.partition, held);
    }
    if (toRead.length === 0) return rowsOf;
    const result = await run<{ partition: number; from_offset: number; to_offset: number; records: string }>(this.#client, q.recordRunsInRanges(topic, toRead), 'loading records');
    const read = new Map<number, BatchRow[]>();
    for (const row of result.rows) {
      const rows = read.get(row.partition);
      const batch = { from: row.from_offset, to: row.to_offset, records: row.records };
      if (rows) rows.push(batch);
      else read.set(row.partition, [batch]);
    }
    for (const range of toRead) {
      const rows = (read.get(range.partition) ?? []).filter((row) => row.from < range.to && row.to > range.from);
      this.#heldBatches.hold(partitionKey(topic, range.partition), range.to, rows);
      add(range.partition, rows);
    }
    return rowsOf;
  }

  async commitRound(round: RoundCommit): Promise<void> {
    const latest = new Map<string, AlertChange>();
    for (const { change } of round.alertChanges) latest.set(change.alert.alertId, change);
    const result = await run<{ fenced: number }>(this.#client, q.commitRound({
      epoch: this.epoch, streamTime: round.streamTime, offsets: round.offsets, cut: round.cut, latestAlerts: [...latest.values()],
      outbox: round.alertChanges.map(({ change, payload }) => ({
        alertId: change.alert.alertId, transition: change.transition, changedAt: change.changedAt, payload, change: canonicalChange(change),
      })),
      decidedAt: round.decidedAt, snapshot: round.snapshot,
    }), 'committing a decision round');
    if (result.rows[0]?.fenced !== 1) throw new VerifierError('LEADERSHIP_LOST', `another decider took over (epoch ${this.epoch} is no longer current)`, { retriable: false });
  }

  async standbyHoldsSnapshot(name: string, withinMs: number): Promise<boolean> {
    const result = await run<{ held: boolean }>(this.#client, q.standbyHoldsSnapshot(name, withinMs), 'asking whether a standby holds the snapshot');
    return result.rows[0]?.held === true;
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    await this.#client.query(q.releaseDeciderLock(this.#schema).text, [...q.releaseDeciderLock(this.#schema).values]).catch(() => {});
    await this.#client.end().catch(() => {});
  }
}
