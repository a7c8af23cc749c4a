// The StateStore port in memory, for unit tests: ingest, the decider's session and the outbox as pg-state-store.ts
// keeps them in PostgreSQL, so that a decider term can be driven through a scenario with no server (as Kafka
// Streams' TopologyTestDriver drives a processor). Duplicates are judged by the core's rule (duplicates.ts) against
// the first content of each id, as the database's unique index and stored hash do. Not durable, not shared between
// processes, one transaction at a time: a double for tests, never a store for the service.
import type { AlertChange } from '../../../core/alert.js';
import { conflictingDuplicate, sightingAgainst } from '../../../core/duplicates.js';
import type { Millis, StreamName } from '../../../core/records.js';
import { VerifierError } from '../../errors.js';
import {
  sameCover, type ConnectionSecurity, type DeadLetterNote, type DeciderCheckpoint, type DeciderCut, type DeciderSession, type IngestAccount, type IngestBatch,
  type IngestOutcome, type IngestRefusal, type OffsetRange, type OutboxMessage, type PartitionProgress, type PublishDeadLetters, type RetentionOutcome,
  type RetentionPlan, type RoundCommit, type SnapshotCover, type StateStore, type StoredAlertCounts, type StoredRecord, type StoredSnapshot,
} from '../state-store.js';
import { compareTopicPartitions, keyOf, partitionKey, topicOf, type PartitionKey, type TopicPartition } from '../topic-partition.js';

interface PartitionState extends TopicPartition {
  nextOffset: number;
  maxEventTime: Millis | null;
  lastRecordAt: number | null;
  counted: number;
  records: StoredRecord[];
}

interface RememberedId {
  readonly contentHash: string;
  readonly eventTime: Millis;
  /** Its record is still stored (retention has not removed it). */
  stored: boolean;
}

export class MemoryStateStore implements StateStore {
  /** Wall clock, epoch milliseconds: when a record was stored, how old a dead letter is. */
  readonly #now: () => number;
  readonly #partitions = new Map<PartitionKey, PartitionState>();
  readonly #ids = new Map<StreamName, Map<string, RememberedId>>();
  readonly #deadLetters: { readonly note: DeadLetterNote; readonly at: number }[] = [];
  readonly #outbox: OutboxMessage[] = [];
  readonly #sent = new Set<number>();
  readonly #alerts = new Map<string, AlertChange>();
  #epoch = 0;
  #leader: number | null = null;
  /** Ends the leading session's connection: its `lost` settles, as a database session's does. */
  #endSession: (() => void) | null = null;
  #streamTime: Millis | null = null;
  readonly #decided = new Map<PartitionKey, number>();
  #cuts: DeciderCut[] = [];
  #snapshot: StoredSnapshot | null = null;
  readonly #standbys = new Map<string, { readonly held: SnapshotCover; readonly at: number }>();

  constructor(now: () => number) {
    this.#now = now;
  }

  async ingest(batch: IngestBatch, publishDeadLetters: PublishDeadLetters): Promise<IngestOutcome | IngestRefusal> {
    const state = this.#partition(batch);
    const previousOffset = state.nextOffset;
    if (batch.fetchedFrom > previousOffset && !batch.gapAccepted) return { kind: 'refused', storedOffset: previousOffset };
    const fresh = batch.items.filter((item) => item.offset >= previousOffset);
    const ids = this.#idsOf(batch.stream);
    const written = new Map<string, RememberedId>();
    const deadLetters: DeadLetterNote[] = [];
    const records: StoredRecord[] = [];
    let duplicates = 0;
    let maxEventTime: Millis | null = null;
    for (const item of fresh) {
      if (item.kind === 'dead') {
        deadLetters.push({ offset: item.offset, reason: item.reason, detail: item.detail });
        continue;
      }
      const first = written.get(item.id) ?? ids.get(item.id);
      const sighting = sightingAgainst(first?.contentHash, item.contentHash);
      if (sighting === 'conflict') {
        deadLetters.push({ offset: item.offset, ...conflictingDuplicate(item.stream) });
        continue;
      }
      if (sighting === 'new') {
        written.set(item.id, { contentHash: item.contentHash, eventTime: item.eventTime, stored: true });
        records.push({ stream: item.stream, topic: batch.topic, partition: batch.partition, offset: item.offset, record: item.record, meaning: item.meaning } as StoredRecord);
      } else {
        duplicates++;
      }
      if (maxEventTime === null || item.eventTime > maxEventTime) maxEventTime = item.eventTime;
    }
    // Published before the commit, as the database store does: a failure here leaves nothing stored.
    if (deadLetters.length > 0) await publishDeadLetters(deadLetters);
    for (const [id, remembered] of written) ids.set(id, remembered);
    const at = this.#now();
    for (const note of deadLetters) this.#deadLetters.push({ note, at });
    const nextOffset = Math.max(previousOffset, batch.nextOffset);
    const absent = nextOffset - Math.max(previousOffset, batch.fetchedFrom) - fresh.length;
    state.counted += records.length + duplicates + deadLetters.length + absent;
    state.nextOffset = nextOffset;
    state.records.push(...records);
    if (maxEventTime !== null && (state.maxEventTime === null || maxEventTime > state.maxEventTime)) state.maxEventTime = maxEventTime;
    if (fresh.length > 0) state.lastRecordAt = at;
    return { kind: 'stored', previousOffset, nextOffset, stored: records.length, duplicates, deadLetters, maxEventTime, records };
  }

  async ingestAccounts(): Promise<IngestAccount[]> {
    return this.#sortedPartitions().map((p) => ({ topic: p.topic, partition: p.partition, nextOffset: p.nextOffset, unaccounted: p.nextOffset - p.counted }));
  }

  async storedOffsets(partitions: readonly TopicPartition[]): Promise<Map<PartitionKey, number>> {
    const result = new Map<PartitionKey, number>();
    for (const p of partitions) {
      const state = this.#partitions.get(keyOf(p));
      if (state) result.set(keyOf(p), state.nextOffset);
    }
    return result;
  }

  async tryLead(_name: string): Promise<DeciderSession | null> {
    if (this.#leader !== null) return null;
    const epoch = ++this.#epoch;
    this.#leader = epoch;
    const session = new MemoryDeciderSession(this, epoch);
    this.#endSession = session.end;
    return session;
  }

  /** Every partition's decided offset, as the decider last committed it. */
  decidedOffsets(): Map<PartitionKey, number> {
    return new Map(this.#decided);
  }

  /** The epoch of the decider's session while one is held. */
  leaderEpoch(): number | null {
    return this.#leader;
  }

  /** Ends the decider's session as its process dying would: every later call of it is refused, so it stores nothing more. */
  endLeadership(): void {
    this.#leader = null;
    this.#endSession?.();
  }

  /** The instances that said they hold a snapshot, and have not taken it back. */
  standbys(): string[] {
    return [...this.#standbys.keys()];
  }

  /** Every dead letter written, in the order written. */
  deadLetters(): DeadLetterNote[] {
    return this.#deadLetters.map((d) => d.note);
  }

  /** The latest change of every alert, by alert id. */
  alerts(): AlertChange[] {
    return [...this.#alerts.values()];
  }

  async unsentAlerts(limit: number): Promise<OutboxMessage[]> {
    return this.#outbox.filter((m) => !this.#sent.has(m.seq)).slice(0, limit);
  }

  async markSent(seqs: readonly number[]): Promise<void> {
    for (const seq of seqs) this.#sent.add(seq);
  }

  async countUnsent(): Promise<number> {
    return this.#outbox.length - this.#sent.size;
  }

  async outboxBacklog(): Promise<{ unsent: number; oldestDecidedAt: number | null }> {
    const unsent = this.#outbox.filter((m) => !this.#sent.has(m.seq));
    return { unsent: unsent.length, oldestDecidedAt: unsent[0]?.decidedAt ?? null };
  }

  async retain(plan: RetentionPlan): Promise<RetentionOutcome> {
    let records = 0;
    for (const [key, below] of plan.covered) {
      const state = this.#partitions.get(key);
      const stream = plan.streamOfTopic.get(topicOf(key));
      if (!state || stream === undefined) continue;
      const ids = this.#idsOf(stream);
      const kept = state.records.filter((r) => r.offset >= below);
      for (const r of state.records) {
        if (r.offset >= below) continue;
        const remembered = ids.get(idOf(r));
        if (remembered) remembered.stored = false;
        records++;
      }
      state.records = kept;
    }
    let forgottenIds = 0;
    for (const [stream, before] of plan.forgetIdsBefore) {
      const ids = this.#ids.get(stream);
      if (ids) {
        for (const [id, remembered] of ids) {
          if (remembered.stored || remembered.eventTime >= before) continue;
          ids.delete(id);
          forgottenIds++;
        }
      }
    }
    const oldest = this.#now() - plan.deadLetterRetentionMs;
    const before = this.#deadLetters.length;
    const young = this.#deadLetters.filter((d) => d.at >= oldest);
    this.#deadLetters.splice(0, this.#deadLetters.length, ...young);
    return { records, ids: forgottenIds, deadLetters: before - young.length };
  }

  async firingAlerts(): Promise<StoredAlertCounts[]> {
    const counts = new Map<string, StoredAlertCounts>();
    for (const { alert } of this.#alerts.values()) {
      if (alert.state !== 'FIRING') continue;
      const key = `${alert.rule}\u0000${alert.severity}\u0000${alert.supplier}`;
      const known = counts.get(key);
      counts.set(key, { rule: alert.rule, severity: alert.severity, supplier: alert.supplier, firing: (known?.firing ?? 0) + 1 });
    }
    return [...counts.values()];
  }

  async ping(): Promise<void> {}

  async connectionSecurity(): Promise<ConnectionSecurity> {
    return { tls: false, version: null, cipher: null };
  }

  async close(): Promise<void> {}

  // The session's side, fenced by epoch.

  checkpointFor(epoch: number, held: SnapshotCover | null): DeciderCheckpoint {
    this.#fence(epoch);
    const snapshotHeld = held !== null && this.#snapshot !== null && sameCover(held, this.#snapshot);
    return { streamTime: this.#streamTime, offsets: new Map(this.#decided), snapshot: snapshotHeld ? null : this.#snapshot, snapshotHeld, cuts: [...this.#cuts] };
  }

  async latestSnapshot(held: SnapshotCover | null): Promise<StoredSnapshot | 'held' | null> {
    if (this.#snapshot === null) return null;
    if (held !== null && sameCover(held, this.#snapshot)) return 'held';
    return this.#snapshot;
  }

  async reportStandby(name: string, held: SnapshotCover | null): Promise<void> {
    if (held === null) this.#standbys.delete(name);
    else this.#standbys.set(name, { held, at: this.#now() });
  }

  standbyHoldsSnapshotFor(epoch: number, name: string, withinMs: number): boolean {
    this.#fence(epoch);
    const snapshot = this.#snapshot;
    if (snapshot === null) return false;
    const now = this.#now();
    return [...this.#standbys].some(([other, { held, at }]) => other !== name && now - at < withinMs && sameCover(held, snapshot));
  }

  progressFor(epoch: number): PartitionProgress[] {
    this.#fence(epoch);
    const now = this.#now();
    return this.#sortedPartitions().map((p) => ({
      topic: p.topic, partition: p.partition, nextOffset: p.nextOffset, maxEventTime: p.maxEventTime,
      sinceLastRecordMs: p.lastRecordAt === null ? null : now - p.lastRecordAt,
    }));
  }

  recordsFor(epoch: number, ranges: readonly OffsetRange[]): StoredRecord[] {
    this.#fence(epoch);
    return ranges.flatMap((range) => (this.#partitions.get(keyOf(range))?.records ?? []).filter((r) => r.offset >= range.from && r.offset < range.to));
  }

  commitFor(epoch: number, round: RoundCommit): void {
    this.#fence(epoch);
    this.#streamTime = round.streamTime;
    // A snapshot replaces the cuts before it; this round's own cut, if any, stays (as in the database's statement).
    if (round.snapshot !== null) {
      this.#snapshot = round.snapshot;
      this.#cuts = [];
    }
    if (round.cut !== null) this.#cuts.push(round.cut);
    for (const [key, offset] of round.offsets) this.#decided.set(key, offset);
    for (const { change, payload } of round.alertChanges) {
      this.#alerts.set(change.alert.alertId, change);
      if (this.#outbox.some((m) => m.alertId === change.alert.alertId && m.transition === change.transition)) continue;
      this.#outbox.push({ seq: this.#outbox.length + 1, alertId: change.alert.alertId, transition: change.transition, payload, decidedAt: round.decidedAt });
    }
  }

  releaseFor(epoch: number): void {
    if (this.#leader === epoch) this.#leader = null;
  }

  #fence(epoch: number): void {
    if (this.#leader !== epoch) throw new VerifierError('LEADERSHIP_LOST', `another decider took over (epoch ${epoch} is no longer current)`, { retriable: false });
  }

  #partition(tp: TopicPartition): PartitionState {
    const key = partitionKey(tp.topic, tp.partition);
    let state = this.#partitions.get(key);
    if (!state) {
      state = { topic: tp.topic, partition: tp.partition, nextOffset: 0, maxEventTime: null, lastRecordAt: null, counted: 0, records: [] };
      this.#partitions.set(key, state);
    }
    return state;
  }

  #idsOf(stream: StreamName): Map<string, RememberedId> {
    let ids = this.#ids.get(stream);
    if (!ids) {
      ids = new Map();
      this.#ids.set(stream, ids);
    }
    return ids;
  }

  #sortedPartitions(): PartitionState[] {
    return [...this.#partitions.values()].sort(compareTopicPartitions);
  }
}

class MemoryDeciderSession implements DeciderSession {
  end: () => void = () => {};
  readonly lost = new Promise<Error>((resolve) => { this.end = () => resolve(new Error('the decider session ended')); });

  constructor(private readonly store: MemoryStateStore, readonly epoch: number) {}

  async loadCheckpoint(held: SnapshotCover | null = null): Promise<DeciderCheckpoint> {
    return this.store.checkpointFor(this.epoch, held);
  }

  async readProgress(): Promise<PartitionProgress[]> {
    return this.store.progressFor(this.epoch);
  }

  async loadRecords(ranges: readonly OffsetRange[]): Promise<StoredRecord[]> {
    return this.store.recordsFor(this.epoch, ranges);
  }

  async commitRound(round: RoundCommit): Promise<void> {
    this.store.commitFor(this.epoch, round);
  }

  async standbyHoldsSnapshot(name: string, withinMs: number): Promise<boolean> {
    return this.store.standbyHoldsSnapshotFor(this.epoch, name, withinMs);
  }

  async release(): Promise<void> {
    this.store.releaseFor(this.epoch);
  }
}

function idOf(stored: StoredRecord): string {
  switch (stored.stream) {
    case 'gpEvents': return stored.record.eventId;
    case 'ndsReceived': return stored.record.receiptId;
    case 'ndsManifests': return stored.record.extractId;
    case 'ndsDisseminations': return stored.record.disseminationId;
  }
}
