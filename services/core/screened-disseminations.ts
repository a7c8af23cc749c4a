import type { DeadLetterReason } from './dead-letter-reason.js';
import type { NdsDissemination } from './records.js';

/**
 * A batch of dissemination lines validated and fingerprinted, but not yet judged for duplicates: compact (typed
 * arrays, transferable between threads) so that a file can be screened in parts on several threads and then
 * sequenced, in file order, on one.
 */
export interface ScreenedDisseminations {
  readonly items: number;
  /** Per item: 1 if it is a dead letter already (unreadable or invalid), else 0. */
  readonly deadAt: Uint8Array;
  /** The valid lines, in order: four words each (the id's fingerprint, then the content's). */
  readonly prints: Uint32Array;
  readonly sharedAt: Float64Array;
  readonly positions: Float64Array;
  /** The dead letters among the items, in order. */
  readonly dead: readonly ScreenedDeadLetter[];
  /** Valid lines to keep if accepted (of objectors, not for direct care): their index among the valid lines, and the record. */
  readonly keptAt: readonly number[];
  readonly kept: readonly NdsDissemination[];
}

export type ScreenedDeadLetter = { readonly position: number; readonly reason: DeadLetterReason; readonly detail: string };

/** A ScreenedDisseminations filled item by item, in file order. */
export class ScreenedBatch {
  private items = 0;
  private valid = 0;
  private deadAt: Uint8Array;
  private prints: Uint32Array;
  private sharedAt: Float64Array;
  private positions: Float64Array;
  private readonly dead: ScreenedDeadLetter[] = [];
  private readonly keptAt: number[] = [];
  private readonly kept: NdsDissemination[] = [];

  /** Room for `capacity` items to begin with (a hint: it grows). */
  constructor(capacity: number) {
    this.deadAt = new Uint8Array(capacity);
    this.prints = new Uint32Array(capacity * 4);
    this.sharedAt = new Float64Array(capacity);
    this.positions = new Float64Array(capacity);
  }

  addDead(position: number, reason: DeadLetterReason, detail: string): void {
    if (this.items === this.deadAt.length) this.deadAt = grown(this.deadAt, this.items * 2 + 16);
    this.deadAt[this.items++] = 1;
    this.dead.push({ position, reason, detail });
  }

  /**
   * A valid line, with its fingerprints; `kept` is its record when it is one to keep if accepted (or see keep()).
   * Returns its index among the batch's valid lines.
   */
  addValid(idHi: number, idLo: number, contentHi: number, contentLo: number, sharedAt: number, position: number, kept: NdsDissemination | null): number {
    if (this.items === this.deadAt.length) this.deadAt = grown(this.deadAt, this.items * 2 + 16);
    const v = this.valid;
    if (v === this.sharedAt.length) {
      const room = v * 2 + 16;
      this.prints = grown(this.prints, room * 4);
      this.sharedAt = grown(this.sharedAt, room);
      this.positions = grown(this.positions, room);
    }
    const w = v * 4;
    const prints = this.prints;
    prints[w] = idHi;
    prints[w + 1] = idLo;
    prints[w + 2] = contentHi;
    prints[w + 3] = contentLo;
    this.sharedAt[v] = sharedAt;
    this.positions[v] = position;
    if (kept !== null) this.keep(v, kept);
    this.items++;
    this.valid = v + 1;
    return v;
  }

  /** The record of valid line `line`, one to keep if accepted: told when it is known, in any order. */
  keep(line: number, record: NdsDissemination): void {
    this.keptAt.push(line);
    this.kept.push(record);
  }

  /** The batch; its arrays trimmed to what was filled, so that what crosses to another thread is only that. */
  finish(): ScreenedDisseminations {
    const { items, valid } = this;
    this.sortKept();
    const trim = valid < this.sharedAt.length;
    return {
      items,
      deadAt: items < this.deadAt.length ? this.deadAt.slice(0, items) : this.deadAt,
      prints: trim ? this.prints.slice(0, valid * 4) : this.prints,
      sharedAt: trim ? this.sharedAt.slice(0, valid) : this.sharedAt,
      positions: trim ? this.positions.slice(0, valid) : this.positions,
      dead: this.dead,
      keptAt: this.keptAt,
      kept: this.kept,
    };
  }

  /** The kept lines in the order of the batch, as the sequencing takes them. */
  private sortKept(): void {
    const { keptAt, kept } = this;
    let sorted = true;
    for (let i = 1; i < keptAt.length && sorted; i++) sorted = keptAt[i - 1]! < keptAt[i]!;
    if (sorted) return;
    const order = keptAt.map((_, i) => i).sort((a, b) => keptAt[a]! - keptAt[b]!);
    const records = order.map((i) => kept[i]!);
    const lines = order.map((i) => keptAt[i]!);
    // Copied back element by element: a block can keep hundreds of thousands of lines, too many to spread into a call.
    for (let i = 0; i < order.length; i++) {
      keptAt[i] = lines[i]!;
      kept[i] = records[i]!;
    }
  }
}

/** A copy of `array`, `length` long. */
function grown<A extends Uint8Array | Uint32Array | Float64Array>(array: A, length: number): A {
  const copy = new (array.constructor as new (length: number) => A)(length);
  copy.set(array);
  return copy;
}
