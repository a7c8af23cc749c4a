// The live verifier's ports onto its state, in the domain's words. Only pg-state-store.ts implements them with
// PostgreSQL; nothing here mentions a connection, a row or a query.
import type { AlertChange } from '../../core/alert.js';
import type { CodeMeaning } from '../../core/code-catalogue.js';
import type { DeadLetterReason } from '../../core/dead-letter-reason.js';
import type { Millis, RecordOf, StreamName } from '../../core/records.js';

import type { PartitionKey, TopicPartition } from './topic-partition.js';

export { partitionKey, type PartitionKey, type TopicPartition } from './topic-partition.js';

/**
 * One message of a batch after decoding and validation (duplicates are judged by the store). A valid record's
 * `nhsNumber` field holds the patient's keyed pseudonym, never the NHS number (see message-intake.ts).
 */
export type IngestItem =
  | {
    readonly kind: 'valid'; readonly offset: number; readonly stream: StreamName; readonly id: string; readonly contentHash: string; readonly eventTime: Millis;
    readonly record: RecordOf[StreamName]; readonly meaning: CodeMeaning | null;
    /** The key the store holds the id under and the line it holds the record as (record-id-key.ts, record-lines.ts), made with the record. */
    readonly idKey: string; readonly line: string;
  }
  | { readonly kind: 'dead'; readonly offset: number; readonly reason: DeadLetterReason; readonly detail: string };

/** The messages of one partition read in one go, in offset order. */
export interface IngestBatch {
  readonly topic: string;
  readonly partition: number;
  readonly stream: StreamName;
  /** None when the fetch found only offsets that hold no record (a transaction's marker): the batch passes over them. */
  readonly items: readonly IngestItem[];
  /** Offset after the batch's last message: where the partition stands once the batch is stored. */
  readonly nextOffset: number;
  /**
   * Offset the fetch that read the batch began at. Offsets from there up to nextOffset that no item holds are absent
   * from the log (control records of transactions, aborted or compacted records). A batch whose fetch began beyond
   * the stored offset is refused: the records between would be lost.
   */
  readonly fetchedFrom: number;
  /**
   * The records between the stored offset and fetchedFrom were deleted from the log (retention) before they were
   * read: store the batch after them. Those offsets stay unaccounted for (see IngestAccount).
   */
  readonly gapAccepted: boolean;
}

export interface DeadLetterNote {
  readonly offset: number;
  readonly reason: DeadLetterReason;
  readonly detail: string;
}

export interface IngestOutcome {
  readonly kind: 'stored';
  /** Offset the partition stood at before the batch; messages below it had been stored already and were skipped. */
  readonly previousOffset: number;
  readonly nextOffset: number;
  readonly stored: number;
  readonly duplicates: number;
  readonly deadLetters: readonly DeadLetterNote[];
  /** Highest event time among the batch's valid records, or null. */
  readonly maxEventTime: Millis | null;
  /** The records this batch stored, in offset order: exactly what the store now holds for offsets [previousOffset, nextOffset). */
  readonly records: readonly StoredRecord[];
}

/** The batch's fetch began beyond the partition's stored offset; nothing was written. Read again from storedOffset. */
export interface IngestRefusal {
  readonly kind: 'refused';
  readonly storedOffset: number;
}

/**
 * One partition's offsets against what ingest counted for them: every offset below nextOffset is a stored record,
 * a duplicate, a dead letter, or absent from the log. Unaccounted offsets (nextOffset less the four counts) are
 * records lost; a negative count, offsets counted twice. Either way a bug or a gap in the log, never normal.
 */
export interface IngestAccount {
  readonly topic: string;
  readonly partition: number;
  readonly nextOffset: number;
  readonly unaccounted: number;
}

/**
 * Called inside the ingest transaction, before it commits, with every dead letter of the batch: a dead letter is
 * published at least once and never lost, and its repeat after a crash carries the same key.
 */
export type PublishDeadLetters = (letters: readonly DeadLetterNote[]) => Promise<void>;

/**
 * A valid record as stored (its `nhsNumber` field holds the keyed pseudonym), with where it was read and (for GP
 * events and receipts) its code's meaning.
 */
export type StoredRecord = {
  [S in StreamName]: {
    readonly stream: S;
    readonly topic: string;
    readonly partition: number;
    readonly offset: number;
    readonly record: RecordOf[S];
    readonly meaning: S extends 'gpEvents' | 'ndsReceived' ? CodeMeaning : null;
  };
}[StreamName];

/** What one ingest transaction stored for one partition: every record it holds for offsets [from, to). */
export interface StoredBatch {
  readonly topic: string;
  readonly partition: number;
  readonly from: number;
  readonly to: number;
  readonly records: readonly StoredRecord[];
}

/** The records of one partition with offsets in [from, to). */
export interface OffsetRange {
  readonly stream: StreamName;
  readonly topic: string;
  readonly partition: number;
  readonly from: number;
  readonly to: number;
}

/** Where ingest stands on one input partition. */
export interface PartitionProgress {
  readonly topic: string;
  readonly partition: number;
  readonly nextOffset: number;
  readonly maxEventTime: Millis | null;
  /** Wall-clock milliseconds since a record was last stored from this partition, by the database's clock; null if never. */
  readonly sinceLastRecordMs: number | null;
}

/** Offsets into each partition, by its key. */
export type PartitionOffsets = ReadonlyMap<PartitionKey, number>;

export interface DeciderCut {
  readonly streamTime: Millis | null;
  readonly offsets: PartitionOffsets;
}

/**
 * What a snapshot covers: the stream time and every partition's decided offset at the commit that wrote it. It
 * tells one stored snapshot from another, because a schema never holds two snapshots with the same cover: only the
 * elected decider writes one (fenced by its epoch), decided offsets and stream time never go back, and a decider
 * writes none while the cover is the one it restored or last wrote (DecisionTerm.snapshotNow).
 */
export interface SnapshotCover {
  readonly streamTime: Millis | null;
  readonly offsets: PartitionOffsets;
}

/** The decider's engine as it stood at a commit, encoded (see decider-snapshot.ts), with what it covers. */
export interface StoredSnapshot extends SnapshotCover {
  readonly format: number;
  readonly state: Buffer;
}

/** Two covers are the same snapshot's. */
export function sameCover(a: SnapshotCover, b: SnapshotCover): boolean {
  if (a.streamTime !== b.streamTime || a.offsets.size !== b.offsets.size) return false;
  for (const [key, offset] of a.offsets) if (b.offsets.get(key) !== offset) return false;
  return true;
}

export interface DeciderCheckpoint {
  readonly streamTime: Millis | null;
  readonly offsets: PartitionOffsets;
  /**
   * The latest snapshot, if any: a rebuild starts from it and reads only the records after its offsets. Null, with
   * snapshotHeld, when it is the one whose cover loadCheckpoint was given: its bytes are not read.
   */
  readonly snapshot: StoredSnapshot | null;
  /** The latest snapshot is the one the caller holds (restored already, by a warm standby). */
  readonly snapshotHeld: boolean;
  /** In order, all after the snapshot; each is where the engine stood before a round that offered late records. */
  readonly cuts: readonly DeciderCut[];
}

export interface EncodedAlertChange {
  readonly change: AlertChange;
  readonly payload: Buffer;
}

export interface RoundCommit {
  readonly streamTime: Millis | null;
  /** Partitions whose decided offset moved in this round. */
  readonly offsets: PartitionOffsets;
  /** When this round offered late records: where the engine stood before it. */
  readonly cut: DeciderCut | null;
  /** In the order the engine made them, each with its encoded alert message. */
  readonly alertChanges: readonly EncodedAlertChange[];
  /** Wall-clock time of the round, carried with each alert message. */
  readonly decidedAt: number;
  /** The engine after this round, replacing the stored snapshot (and the cuts before it); null most rounds. */
  readonly snapshot: StoredSnapshot | null;
}

/** The elected decider's hold on the state. Every commit is fenced: a deposed leader's commit fails. */
export interface DeciderSession {
  readonly epoch: number;
  /** Settles when the session's connection is lost (and with it the leadership). */
  readonly lost: Promise<Error>;
  /** The checkpoint; the snapshot's bytes are not read if it is the one `held` covers. */
  loadCheckpoint(held?: SnapshotCover | null): Promise<DeciderCheckpoint>;
  readProgress(): Promise<PartitionProgress[]>;
  loadRecords(ranges: readonly OffsetRange[]): Promise<StoredRecord[]>;
  commitRound(round: RoundCommit): Promise<void>;
  /**
   * Whether an instance other than `name` said, within the last `withinMs` (StateStore.reportStandby), that it holds
   * restored the snapshot stored now.
   */
  standbyHoldsSnapshot(name: string, withinMs: number): Promise<boolean>;
  release(): Promise<void>;
}

export interface OutboxMessage {
  readonly seq: number;
  readonly alertId: string;
  readonly transition: string;
  readonly payload: Buffer;
  readonly decidedAt: number;
}

export interface StoredAlertCounts {
  readonly rule: string;
  readonly severity: string;
  readonly supplier: string;
  readonly firing: number;
}

/** What retention may forget, decided by the decider after a snapshot commit. */
export interface RetentionPlan {
  /** Records a snapshot covers: by partition key, the offset below which none is needed to rebuild. */
  readonly covered: PartitionOffsets;
  readonly streamOfTopic: ReadonlyMap<string, StreamName>;
  /** By stream: ids of its records dated before this are no longer remembered for duplicates (a stream left out keeps them all). */
  readonly forgetIdsBefore: ReadonlyMap<StreamName, Millis>;
  readonly deadLetterRetentionMs: number;
}

export interface RetentionOutcome {
  readonly records: number;
  readonly ids: number;
  readonly deadLetters: number;
}

export interface StateStore {
  /**
   * Stores one batch in one transaction, skipping what was stored before; see PublishDeadLetters. A batch whose
   * fetch began beyond the stored offset is refused (see IngestBatch.fetchedFrom). The commit is durable when this
   * resolves: a crash of the server after it loses nothing.
   */
  ingest(batch: IngestBatch, publishDeadLetters: PublishDeadLetters): Promise<IngestOutcome | IngestRefusal>;
  /** Every input partition's offsets against its counts. */
  ingestAccounts(): Promise<IngestAccount[]>;
  /** The stored next offset of each partition asked for (0 for one never seen). */
  storedOffsets(partitions: readonly TopicPartition[]): Promise<Map<PartitionKey, number>>;
  /**
   * The latest snapshot, for a standby to keep warm: null if there is none, 'held' if it is the one `held` covers
   * (its bytes are not read).
   */
  latestSnapshot(held: SnapshotCover | null): Promise<StoredSnapshot | 'held' | null>;
  /**
   * Says that the instance `name`, standing by, holds restored the snapshot `held` covers (now, on the store's
   * clock), or with null that it holds none: see DeciderSession.standbyHoldsSnapshot.
   */
  reportStandby(name: string, held: SnapshotCover | null): Promise<void>;
  /**
   * Becomes the decider if no other process is; null when another one is. With waitMs, waits up to that long for
   * the one that is to end, and becomes the decider as soon as it does.
   */
  tryLead(name: string, waitMs?: number): Promise<DeciderSession | null>;
  unsentAlerts(limit: number): Promise<OutboxMessage[]>;
  markSent(seqs: readonly number[]): Promise<void>;
  countUnsent(): Promise<number>;
  /** Unsent alert messages and the decision time (epoch ms) of the oldest, for the outbox gauges. */
  outboxBacklog(): Promise<{ readonly unsent: number; readonly oldestDecidedAt: number | null }>;
  /**
   * Deletes what decisions no longer need: records a snapshot covers (their ids still judge duplicates), ids older
   * than the horizon whose records a snapshot covers, old dead-letter notes. Never alert history (alerts, the outbox).
   */
  retain(plan: RetentionPlan): Promise<RetentionOutcome>;
  /** Alerts in state FIRING now, by rule, severity and supplier (for the gauge at start). */
  firingAlerts(): Promise<StoredAlertCounts[]>;
  ping(): Promise<void>;
  /** Whether this process's connections to the store are encrypted, for the start-up log. */
  connectionSecurity(): Promise<ConnectionSecurity>;
  close(): Promise<void>;
}

export interface ConnectionSecurity {
  readonly tls: boolean;
  /** TLS protocol version and cipher, when tls. */
  readonly version: string | null;
  readonly cipher: string | null;
}
