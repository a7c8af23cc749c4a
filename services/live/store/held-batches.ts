// The stored batches a decider session read last, by partition, so that the next range of the same batch is taken
// from memory rather than read again. The decider takes a partition on a few hundred offsets at a time, and an
// ingest batch holds up to a thousand records: read whole for each range, a batch went from PostgreSQL (decompressed
// and sent) up to ten times. Rows never change once stored (retention only deletes rows the decider has passed), so
// what is held stays true. Per partition, only the rows of its last read are held, and they are let go once a range
// reaches their end: about a batch per partition in all. Pure: the session reads and parses.
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
   * Holds the rows a read of [from, to) found (every stored row overlapping it, in offset order). Rows do not overlap
   * one another, so no other row lies between the range and the ends of the first and last row found: those ends
   * widen what is known to be held. A read that found nothing beyond the range holds nothing.
   */
  hold(key: PartitionKey, from: number, to: number, rows: readonly BatchRow[]): void {
    const first = rows[0];
    const last = rows[rows.length - 1];
    if (first === undefined || last === undefined || last.to <= to) {
      this.#held.delete(key);
      return;
    }
    this.#held.set(key, { from: Math.min(from, first.from), to: last.to, rows });
  }

  /** Partitions with rows held (for tests and gauges). */
  get partitions(): number {
    return this.#held.size;
  }
}
