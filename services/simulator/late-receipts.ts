// Fault profile late-receipts: some entries miss their extract and come in one several mornings later, beyond
// the 72-hour service level, although the manifest of the extract they missed said it was complete.
import { describeFault, type FaultDescription } from './fault-description.js';
import type { FaultLedger } from './fault-ledger.js';
import type { GpEntry } from './gp-opt-out-activity.js';
import type { SeededRandom } from './seeded-random.js';

const PROFILE = 'late-receipts';
const LATE_SHARE = 0.03;
// An entry made at 18:30 and carried three mornings late is stored 79.5 hours later, the soonest possible.
const FEWEST_EXTRA_MORNINGS = 3;
const MOST_EXTRA_MORNINGS = 9;

export class LateReceipts {
  readonly #ledger: FaultLedger;
  readonly #random: SeededRandom;

  constructor(ledger: FaultLedger, random: SeededRandom) {
    this.#ledger = ledger;
    this.#random = random;
  }

  /** How many mornings after the usual one the entry's receipt arrives (0: on time). */
  extraMornings(gp: GpEntry): number {
    if (!this.#random.chance(LATE_SHARE)) return 0;
    this.#ledger.note(PROFILE, 'lateEntries', gp.event.recordedAt, gp.event.eventId);
    return this.#random.between(FEWEST_EXTRA_MORNINGS, MOST_EXTRA_MORNINGS);
  }

  describe(): FaultDescription {
    const t = this.#ledger.talliesOf(PROFILE).get('lateEntries');
    return describeFault(this.#ledger, PROFILE, `About ${LATE_SHARE * 100}% of receipts arrive ${FEWEST_EXTRA_MORNINGS}-${MOST_EXTRA_MORNINGS} mornings late.`, {
      from: t?.firstAt,
      to: t?.lastAt,
    }, { lateShare: LATE_SHARE, extraMornings: [FEWEST_EXTRA_MORNINGS, MOST_EXTRA_MORNINGS] });
  }
}
