// Where the records waiting in the engine's queue were read from: for each partition, the offsets (and event times)
// of the records offered that were dated after the time the engine had reached. A record is applied once the engine
// advances to its time, so those still waiting are exactly the ones dated after the time reached now. The decider's
// snapshot leaves its queue out and names, for each partition, the lowest offset still waiting: a decider taking
// over reads the records from there back from the store and offers those dated after the snapshot's time again.
// Pure: no I/O.
import type { Millis } from '../../core/records.js';
import type { PartitionKey } from '../store/topic-partition.js';

export class QueuedSources {
  /** By partition, in the order offered (offset order): offset, event time, offset, event time, ... */
  readonly #byPartition = new Map<PartitionKey, number[]>();

  /** A record offered at `offset` of the partition, dated `time`, to an engine that had reached `reached`. */
  offered(key: PartitionKey, offset: number, time: Millis, reached: Millis): void {
    if (time <= reached) return;
    const list = this.#byPartition.get(key);
    if (list) list.push(offset, time);
    else this.#byPartition.set(key, [offset, time]);
  }

  /**
   * The engine has reached `reached`: the records up to it are applied. Each partition's leading ones are let go
   * (cheap, at every advance); the others only at lowestWaiting.
   */
  advanced(reached: Millis): void {
    for (const [key, list] of this.#byPartition) {
      let at = 0;
      while (at < list.length && list[at + 1]! <= reached) at += 2;
      if (at === list.length) this.#byPartition.delete(key);
      else if (at > 0) list.splice(0, at);
    }
  }

  /** By partition with any, the lowest offset of a record dated after `reached` (still waiting in the engine). */
  lowestWaiting(reached: Millis): Map<PartitionKey, number> {
    const lowest = new Map<PartitionKey, number>();
    for (const [key, list] of this.#byPartition) {
      const kept: number[] = [];
      for (let i = 0; i < list.length; i += 2) if (list[i + 1]! > reached) kept.push(list[i]!, list[i + 1]!);
      if (kept.length === 0) this.#byPartition.delete(key);
      else {
        this.#byPartition.set(key, kept);
        lowest.set(key, kept[0]!);
      }
    }
    return lowest;
  }
}
