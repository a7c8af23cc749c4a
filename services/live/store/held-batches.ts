// The stored batches a decider session read last, by partition, so that the next range of the same batch is taken
// from memory rather than read again. The decider takes a partition on a few hundred offsets at a time, and an
// ingest batch holds up to a thousand records: read whole for each range, a batch went from PostgreSQL (decompressed
// and sent) up to ten times. Rows never change once stored (retention only deletes rows the decider has passed), so
// what is held stays true. Per partition, only the last row of its last read is held (the one the next range starts
// in), until a range reaches its end or the partition is read again: a batch per partition at most. Pure: the session
// reads and parses.
import type { PartitionKey } from './topic-partition.js';

/** One stored run of records (a row of record_batches): offsets [from, to) and its lines. */
export interface BatchRow {
  readonly from: number;
  readonly to: number;
  readonly records: string;
}

interface Held {
  /** Every stored row overlapping [from, to) is in rows. */
  readonly from: number;
  readonly to: number;
  readonly rows: readonly BatchRow[];
}

export class HeldBatches {
  readonly #held = new Map<PartitionKey, Held>();

  /**
   * The held rows overlapping [from, to) when every stored row there is held; null when the range must be read.
   * A range that reaches the end of what is held lets it go.
   */
  take(key: PartitionKey, from: number, to: number): readonly BatchRow[] | null {
    const held = this.#held.get(key);
    if (held === undefined || from < held.from || to > held.to) return null;
    if (to >= held.to) this.#held.delete(key);
    return held.rows.filter((row) => row.from < to && row.to > from);
  }

  /**
   * Holds what a read of [from, to) found (every stored row overlapping it, in offset order) for the ranges after it:
   * the last row, when it reaches past the range. Rows do not overlap one another, so no other stored row holds an
   * offset of that row's span.
   */
  hold(key: PartitionKey, to: number, rows: readonly BatchRow[]): void {
    const last = rows[rows.length - 1];
    if (last === undefined || last.to <= to) this.#held.delete(key);
    else this.#held.set(key, { from: last.from, to: last.to, rows: [last] });
  }

  /** Partitions with a row held. */
  get partitions(): number {
    return this.#held.size;
  }
}
