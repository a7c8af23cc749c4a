// The alert history's hash chain: position 1, 2, 3, ... each with hash = SHA-256(previous hash || UTF-8 of the
// change's canonical form), the previous hash of position 1 being 32 zero bytes. The database appends (migration
// 005); this recomputes it, one row at a time in position order, and names the first position that breaks. A
// pruned row (migration 006) keeps only its position and hash: that hash is taken as stored.
import { createHash } from 'node:crypto';
import { parseCanonicalChange } from './alert-change-form.js';

export const GENESIS_HASH: Buffer = Buffer.alloc(32);

export function chainHash(previous: Uint8Array, change: string): Buffer {
  return createHash('sha256').update(previous).update(change, 'utf8').digest();
}

export interface LoggedChange {
  readonly position: number;
  /** Null for a pruned change (`audit prune`): only its position and hash are kept. */
  readonly alertId: string | null;
  readonly transition: string | null;
  readonly change: string | null;
  readonly hash: Uint8Array;
}

export interface ChainBreak {
  /** The first position whose row is not what the chain requires. */
  readonly position: number;
  readonly reason: string;
}

export type ChainVerdict =
  | { readonly intact: true; readonly rows: number; readonly pruned: number; readonly head: Buffer | null }
  | { readonly intact: false; readonly rows: number; readonly pruned: number; readonly broken: ChainBreak };

/** Checks rows fed in ascending position order; stops at the first break. */
export class ChainVerifier {
  #expected = 1;
  #previous: Buffer = GENESIS_HASH;
  #rows = 0;
  #pruned = 0;
  #broken: ChainBreak | null = null;

  /** Returns false once the chain is broken (nothing more is checked). */
  accept(row: LoggedChange): boolean {
    if (this.#broken) return false;
    const position = this.#expected;
    const fail = (reason: string) => {
      this.#broken = { position, reason };
      return false;
    };
    if (row.position !== position) {
      return fail(row.position > position
        ? `position ${position} is missing (the next row is position ${row.position}): a row was deleted`
        : `position ${row.position} comes again after ${position - 1}: rows are out of order`);
    }
    if (row.change === null) {
      // Pruned: the change is gone, so its hash is taken as stored, and every row after it is checked from there.
      if (row.alertId !== null || row.transition !== null) return fail('a pruned row still names an alert or a transition');
      if (row.hash.length !== 32) return fail('a pruned row\'s hash is not 32 bytes');
      this.#previous = Buffer.from(row.hash);
      this.#expected++;
      this.#rows++;
      this.#pruned++;
      return true;
    }
    const expected = chainHash(this.#previous, row.change);
    if (!expected.equals(row.hash)) {
      return fail('the stored hash is not SHA-256(previous hash || change): this row was edited, or rows were reordered');
    }
    const parsed = parseCanonicalChange(row.change);
    if (!parsed.ok) return fail(`the change ${parsed.problem}`);
    if (parsed.alertId !== row.alertId || parsed.transition !== row.transition) return fail('alert_id or transition differ from the change');
    this.#previous = expected;
    this.#expected++;
    this.#rows++;
    return true;
  }

  verdict(): ChainVerdict {
    if (this.#broken) return { intact: false, rows: this.#rows, pruned: this.#pruned, broken: this.#broken };
    return { intact: true, rows: this.#rows, pruned: this.#pruned, head: this.#rows === 0 ? null : this.#previous };
  }
}
