// Fault profile dropped-withdrawals: some withdrawals entered at the GP never reach the national service, which
// goes on holding (and applying) an objection the patient has taken back.
import { describeFault, type FaultDescription } from './fault-description.js';
import type { FaultLedger } from './fault-ledger.js';
import type { GpEntry } from './gp-opt-out-activity.js';
import type { SeededRandom } from './seeded-random.js';

const PROFILE = 'dropped-withdrawals';
const DROPPED_SHARE = 0.2;

export class DroppedWithdrawals {
  readonly #ledger: FaultLedger;
  readonly #random: SeededRandom;

  constructor(ledger: FaultLedger, random: SeededRandom) {
    this.#ledger = ledger;
    this.#random = random;
  }

  drops(gp: GpEntry): boolean {
    if (gp.action !== 'WITHDRAWN' || !this.#random.chance(DROPPED_SHARE)) return false;
    this.#ledger.note(PROFILE, 'droppedWithdrawals', gp.event.recordedAt, gp.event.eventId);
    return true;
  }

  describe(): FaultDescription {
    const t = this.#ledger.talliesOf(PROFILE).get('droppedWithdrawals');
    return describeFault(this.#ledger, PROFILE, `About ${DROPPED_SHARE * 100}% of GP withdrawals never reach the national service.`, {
      from: t?.firstAt,
      to: t?.lastAt,
    }, { droppedShare: DROPPED_SHARE });
  }
}
