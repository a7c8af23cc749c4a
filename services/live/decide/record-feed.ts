// The records this process's ingest has just stored, by partition, waiting for the decider: it takes them from
// memory instead of reading them back from the store. They wait as the store holds them, as lines (StoredLines),
// and are read when offered. Bounded in bytes: a batch that would take the feed past its capacity is not kept, and
// the decider reads its records from the store instead (as it does those of partitions that other instances
// consume). Nothing here decides what is offered when: see round-planner.ts.
import type { StoredBatch } from '../store/state-store.js';
import { keyOf, type PartitionKey } from '../store/topic-partition.js';

/** About the memory a batch's lines hold: a byte a character (lines are mostly ASCII) and 8 bytes an offset. */
export function feedBytesOf(batch: StoredBatch): number {
  return batch.records.text.length + 8 * batch.records.offsets.length;
}

export class RecordFeed {
  readonly #capacity: number;
  /** In the order they were stored; a partition with nothing waiting has no entry (so the order is of arrival). */
  readonly #batches = new Map<PartitionKey, StoredBatch[]>();
  #records = 0;
  #bytes = 0;

  constructor(capacityBytes: number) {
    this.#capacity = capacityBytes;
  }

  /** Keeps a stored batch; false when the feed is full and the batch is left to the store. */
  accept(batch: StoredBatch): boolean {
    const bytes = feedBytesOf(batch);
    if (this.#bytes + bytes > this.#capacity) return false;
    const key = keyOf(batch);
    const list = this.#batches.get(key);
    if (list) list.push(batch);
    else this.#batches.set(key, [batch]);
    this.#records += batch.records.offsets.length;
    this.#bytes += bytes;
    return true;
  }

  /** Records waiting, over every partition. */
  get records(): number {
    return this.#records;
  }

  /** What they hold, as feedBytesOf counts it. */
  get bytes(): number {
    return this.#bytes;
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

  /** Drops the partition's batches that end at or before this offset: offered, or stored again and read there. */
  release(key: PartitionKey, upTo: number): void {
    const list = this.#batches.get(key);
    if (!list) return;
    const kept = list.filter((b) => b.to > upTo);
    for (const b of list) {
      if (b.to > upTo) continue;
      this.#records -= b.records.offsets.length;
      this.#bytes -= feedBytesOf(b);
    }
    if (kept.length === 0) this.#batches.delete(key);
    else this.#batches.set(key, kept);
  }
}
