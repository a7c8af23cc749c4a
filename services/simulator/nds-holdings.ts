// What the national data service holds for each patient, as it applies receipts in the order it stored them:
// one bit per opt-out type. The weekly releases filter on this, not on the GP record.
import type { OptOutAction, OptOutType } from '../core/records.js';

const BIT: Record<OptOutType, number> = { TYPE_1: 1, TYPE_2: 2 };

export class NdsHoldings {
  readonly #bits: Uint8Array;

  constructor(patients: number) {
    this.#bits = new Uint8Array(patients);
  }

  holds(patient: number, type: OptOutType): boolean {
    return ((this.#bits[patient] as number) & BIT[type]) !== 0;
  }

  holdsAny(patient: number): boolean {
    return this.#bits[patient] !== 0;
  }

  apply(patient: number, type: OptOutType, action: OptOutAction): void {
    const bits = this.#bits[patient] as number;
    this.#bits[patient] = action === 'DISSENT' ? bits | BIT[type] : bits & ~BIT[type];
  }
}
