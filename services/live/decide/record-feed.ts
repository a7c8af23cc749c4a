// The records this process's ingest has just stored, by partition, waiting for the decider: it takes them from
// memory instead of reading them back from the store. Bounded in records: a batch that would take the feed past its
// capacity is not kept, and the decider reads its records from the store instead (as it does those of partitions
// that other instances consume). Nothing here decides what is offered when: see round-planner.ts.
import type { StoredBatch } from '../store/state-store.js';
import { keyOf, type PartitionKey } from '../store/topic-partition.js';

export class RecordFeed {
  readonly #capacity: number;
  /** In the order they were stored; a partition with nothing waiting has no entry (so the order is of arrival). */
  readonly #batches = new Map<PartitionKey, StoredBatch[]>();
  #records = 0;

  constructor(capacityRecords: number) {
    this.#capacity = capacityRecords;
  }

  /** Keeps a stored batch; false when the feed is full and the batch is left to the store. */
  accept(batch: StoredBatch): boolean {
    if (this.#records + batch.records.length > this.#capacity) return false;
    const key = keyOf(batch);
    const list = this.#batches.get(key);
    if (list) list.push(batch);
    else this.#batches.set(key, [batch]);
    this.#records += batch.records.length;
    return true;
  }

  /** Records waiting, over every partition. */
  get records(): number {
    return this.#records;
  }

  /** Partitions with batches waiting, in the order their first waiting batch arrived. */
  partitions(): PartitionKey[] {
    return [...this.#batches.keys()];
  }

  /** The partition's waiting batches, in the order they were stored. */
  batches(key: PartitionKey): readonly StoredBatch[] {
    return this.#batches.get(key) ?? [];
  }

  /** Whether a waiting batch takes the partition on from this offset (holds the record at it, or starts there). */
  continuesAt(key: PartitionKey, at: number): boolean {
    return this.#batches.get(key)?.some((b) => b.from <= at && b.to > at) ?? false;
  }

  /** Whether a round's worth of records more would pass its capacity: new batches are then left to the store. */
  filling(records: number): boolean {
    return this.#records + records > this.#capacity;
  }

  /** Drops every batch of the partition: the decider reads its records from the store when it comes to them. */
  drop(key: PartitionKey): void {
    for (const b of this.#batches.get(key) ?? []) this.#records -= b.records.length;
    this.#batches.delete(key);
  }

  /** Drops the partition's batches that end at or before this offset: offered, or stored again and read there. */
  release(key: PartitionKey, upTo: number): void {
    const list = this.#batches.get(key);
    if (!list) return;
    const kept = list.filter((b) => b.to > upTo);
    for (const b of list) if (b.to <= upTo) this.#records -= b.records.length;
    if (kept.length === 0) this.#batches.delete(key);
    else this.#batches.set(key, kept);
  }
}
