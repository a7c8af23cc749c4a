// Fault profile unfiltered-release: one weekly release goes out without the opt-out filter, so every patient
// drawn for it is released, objection or not.
import { describeFault, type FaultDescription } from './fault-description.js';
import type { FaultLedger } from './fault-ledger.js';
import { DAY_MS } from './scenario-params.js';
import type { SeededRandom } from './seeded-random.js';

const PROFILE = 'unfiltered-release';

export class UnfilteredRelease {
  /** The simulated day of the unfiltered release, or undefined when the window has no release. */
  readonly day: number | undefined;
  readonly #startAt: number;
  readonly #ledger: FaultLedger;

  constructor(releaseDays: readonly number[], startAt: number, ledger: FaultLedger, random: SeededRandom) {
    // From the second third of the window on, so that objections have built up.
    const eligible = releaseDays.slice(Math.floor(releaseDays.length / 3));
    this.day = eligible.length > 0 ? random.pick(eligible) : undefined;
    this.#startAt = startAt;
    this.#ledger = ledger;
  }

  skipsFilter(day: number): boolean {
    return day === this.day;
  }

  describe(): FaultDescription {
    const t = this.#ledger.talliesOf(PROFILE).get('linesDespiteHeldObjection');
    return describeFault(this.#ledger, PROFILE, 'One weekly release skips the opt-out filter.', {
      from: t?.firstAt,
      to: t?.lastAt,
    }, { releaseDay: this.day === undefined ? null : new Date(this.#startAt + this.day * DAY_MS).toISOString().slice(0, 10) });
  }
}
