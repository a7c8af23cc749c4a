// Fault profile supplier-outage: one supplier's extracts stop arriving for some days, then the whole backlog is
// stored on the morning the link comes back, each extract with its own manifest. Entries made in the first days
// of the outage reach the national service well beyond the 72-hour service level.
import type { ExtractEntry } from './extract-entry.js';
import { describeFault, type FaultDescription } from './fault-description.js';
import type { FaultLedger } from './fault-ledger.js';
import type { Practice, PracticeRoster } from './practice-roster.js';
import { DAY_MS } from './scenario-params.js';
import type { SeededRandom } from './seeded-random.js';
import type { Supplier } from './supplier-shares.js';

const PROFILE = 'supplier-outage';
const SHORTEST_DAYS = 4;
const LONGEST_DAYS = 10;

export interface HeldExtract {
  readonly practice: Practice;
  readonly coveredDay: number;
  readonly entries: readonly ExtractEntry[];
}

export class SupplierOutage {
  readonly supplier: Supplier | undefined;
  /** Delivery mornings [firstDay, backlogDay) bring nothing from the supplier; backlogDay brings everything. */
  readonly firstDay: number;
  readonly backlogDay: number;
  readonly #startAt: number;
  readonly #ledger: FaultLedger;
  readonly #held: HeldExtract[] = [];

  /** `lastDeliveryDay` is the last morning on which extracts arrive in the simulation. */
  constructor(roster: PracticeRoster, startAt: number, lastDeliveryDay: number, ledger: FaultLedger, random: SeededRandom) {
    this.#startAt = startAt;
    this.#ledger = ledger;
    const present = roster.practices.map((p) => p.supplier);
    // Weighted by practices: an outage at a large supplier is the likelier and the louder one.
    this.supplier = present.length > 0 ? random.pick(present) : undefined;
    const length = Math.max(1, Math.min(random.between(SHORTEST_DAYS, LONGEST_DAYS), lastDeliveryDay - 2));
    const earliest = Math.max(1, Math.floor(lastDeliveryDay * 0.2));
    const latest = Math.max(earliest, Math.floor(lastDeliveryDay * 0.8) - length);
    this.firstDay = random.between(earliest, latest);
    this.backlogDay = this.firstDay + length;
  }

  isDown(practice: Practice, deliveryDay: number): boolean {
    return practice.supplier === this.supplier && deliveryDay >= this.firstDay && deliveryDay < this.backlogDay;
  }

  hold(extract: HeldExtract): void {
    this.#held.push(extract);
    this.#ledger.note(PROFILE, 'extractsHeld', this.#startAt + (extract.coveredDay + 1) * DAY_MS);
  }

  /** The extracts held for `practice`, oldest first, on the morning the backlog arrives; none on other days. */
  backlogOf(practice: Practice, deliveryDay: number): HeldExtract[] {
    if (deliveryDay !== this.backlogDay || practice.supplier !== this.supplier) return [];
    return this.#held.filter((h) => h.practice.index === practice.index).sort((a, b) => a.coveredDay - b.coveredDay);
  }

  describe(): FaultDescription {
    return describeFault(
      this.#ledger,
      PROFILE,
      "One supplier's daily extracts stop for some days, then the backlog arrives on one morning.",
      { supplier: this.supplier ?? null, from: this.#startAt + this.firstDay * DAY_MS, to: this.#startAt + this.backlogDay * DAY_MS },
      {
        outageDays: this.backlogDay - this.firstDay,
        // Entries made from this instant on wait for the backlog (the first missed extract covers the day before).
        firstEntriesDelayedFrom: new Date(this.#startAt + (this.firstDay - 1) * DAY_MS).toISOString(),
        backlogArrives: new Date(this.#startAt + this.backlogDay * DAY_MS).toISOString(),
      },
    );
  }
}
