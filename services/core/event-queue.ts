import { MinHeap } from './min-heap.js';

/**
 * A priority queue tuned for both ways the engine is fed: a replay offers millions of records, mostly in
 * time order, before advancing once; a live stream offers a few between frequent advances. Large bursts are
 * sorted in one go (the sort is nearly linear on nearly sorted input) and merged into a sorted runway; small
 * ones go to a heap. The next item is the smaller of the two heads.
 */
export class EventQueue<T> {
  private runway: T[] = [];
  private head = 0;
  private incoming: T[] = [];
  private readonly heap: MinHeap<T>;

  constructor(private readonly before: (a: T, b: T) => boolean, private readonly burst = 4096) {
    this.heap = new MinHeap(before);
  }

  push(item: T): void {
    this.incoming.push(item);
  }

  /** Every item not yet popped, in no particular order. */
  values(): T[] {
    return [...this.runway.slice(this.head), ...this.heap.values(), ...this.incoming];
  }

  peek(): T | undefined {
    if (this.incoming.length > 0) this.settle();
    const a = this.runway[this.head];
    const b = this.heap.peek();
    if (a === undefined) return b;
    if (b === undefined) return a;
    return this.before(b, a) ? b : a;
  }

  pop(): T | undefined {
    const next = this.peek();
    if (next === undefined) return undefined;
    if (next === this.runway[this.head]) {
      this.runway[this.head++] = undefined as T; // let it be collected
      if (this.head === this.runway.length) {
        this.runway = [];
        this.head = 0;
      }
    } else {
      this.heap.pop();
    }
    return next;
  }

  private settle(): void {
    const incoming = this.incoming;
    this.incoming = [];
    if (incoming.length < this.burst) {
      for (const item of incoming) this.heap.push(item);
      return;
    }
    const order = (a: T, b: T) => (this.before(a, b) ? -1 : this.before(b, a) ? 1 : 0);
    incoming.sort(order);
    const rest = this.runway;
    if (this.head === rest.length) {
      this.runway = incoming;
      this.head = 0;
      return;
    }
    const merged: T[] = new Array(rest.length - this.head + incoming.length);
    let i = this.head;
    let j = 0;
    let k = 0;
    while (i < rest.length && j < incoming.length) merged[k++] = this.before(incoming[j]!, rest[i]!) ? incoming[j++]! : rest[i++]!;
    while (i < rest.length) merged[k++] = rest[i++]!;
    while (j < incoming.length) merged[k++] = incoming[j++]!;
    this.runway = merged;
    this.head = 0;
  }
}
