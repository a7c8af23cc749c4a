// Which offsets of each partition an export takes: from where it has read to (the log's start at first) up to the
// end offset found at the start, exclusive. A fetched batch may run past the end (records produced since): those
// are never taken. A partition is finished once its position reaches its end; the export is, once all are.
export interface PartitionBound {
  readonly topic: string;
  readonly partition: number;
  readonly startOffset: number;
  readonly endOffset: number;
}

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class PartitionWindow {
  readonly #position = new Map<string, number>();
  readonly #end = new Map<string, number>();

  constructor(bounds: readonly PartitionBound[]) {
    for (const b of bounds) {
      this.#end.set(keyOf(b.topic, b.partition), b.endOffset);
      if (b.startOffset < b.endOffset) this.#position.set(keyOf(b.topic, b.partition), b.startOffset);
    }
  }

  get finished(): boolean {
    return this.#position.size === 0;
  }

  /** The topics with a partition still to read. */
  topics(): string[] {
    return [...new Set([...this.#position.keys()].map((k) => k.split('\u0000')[0]!))];
  }

  /** The messages of a fetched batch the export takes: at or past the position, before the end. */
  take<M extends { readonly offset: string }>(topic: string, partition: number, messages: readonly M[]): M[] {
    const key = keyOf(topic, partition);
    const at = this.#position.get(key);
    if (at === undefined) return [];
    const end = this.#end.get(key)!;
    return messages.filter((m) => Number(m.offset) >= at && Number(m.offset) < end);
  }

  /** The partition has been read up to `next` (exclusive). */
  advance(topic: string, partition: number, next: number): void {
    const key = keyOf(topic, partition);
    const at = this.#position.get(key);
    if (at === undefined || next <= at) return;
    if (next >= this.#end.get(key)!) this.#position.delete(key);
    else this.#position.set(key, next);
  }
}
