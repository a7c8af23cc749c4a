// Fault profile systmone-2018, after the TPP SystmOne incident (domain notes, section 1): type 2 dissents entered
// at SystmOne practices from 1 April 2015 never reached the national service. Nothing failed visibly; when TPP's
// new code path went live (the defect was diagnosed on 26 June 2018) the standing objections arrived at once,
// and in the meantime the service kept releasing those patients' data because it did not hold their objection.
import type { DeliveryBook } from './delivery-book.js';
import { entryFromGp } from './extract-entry.js';
import { describeFault, type FaultDescription } from './fault-description.js';
import type { FaultLedger } from './fault-ledger.js';
import type { GpEntry } from './gp-opt-out-activity.js';
import { DAY_MS } from './scenario-params.js';
import type { SeededRandom } from './seeded-random.js';

export const DEFECT_FROM = Date.UTC(2015, 3, 1);
export const DEFECT_FIXED = Date.UTC(2018, 5, 26);
/** The withheld objections arrive in the extracts of this many mornings after the fix. */
export const FLOOD_MORNINGS = 3;

const PROFILE = 'systmone-2018';

export class SystmOneType2Defect {
  readonly #from: number;
  readonly #to: number;
  readonly #startAt: number;
  readonly #ledger: FaultLedger;
  readonly #random: SeededRandom;
  /** The latest withheld dissent of each patient who still holds it in the GP record. */
  readonly #held = new Map<number, GpEntry>();
  #floodScheduled = false;

  constructor(startAt: number, endAt: number, ledger: FaultLedger, random: SeededRandom) {
    this.#startAt = startAt;
    this.#from = Math.max(DEFECT_FROM, startAt);
    this.#to = Math.min(DEFECT_FIXED, endAt);
    this.#ledger = ledger;
    this.#random = random;
  }

  /** True when the defect keeps this entry out of the extract. Type 2 withdrawals pass: only dissents were lost. */
  withholds(gp: GpEntry): boolean {
    if (gp.practice.supplier !== 'TPP' || gp.type !== 'TYPE_2') return false;
    const at = gp.event.recordedAt;
    if (gp.action === 'DISSENT' && at >= this.#from && at < this.#to) {
      this.#held.set(gp.patient, gp);
      this.#ledger.note(PROFILE, 'droppedType2Dissents', at, gp.event.eventId);
      return true;
    }
    if (gp.action === 'WITHDRAWN' && this.#held.delete(gp.patient)) {
      this.#ledger.note(PROFILE, 'withdrawnBeforeFix', at, gp.event.eventId);
    }
    return false;
  }

  /** Whether the national service is missing this patient's type 2 dissent because of the defect. */
  isWithholding(patient: number): boolean {
    return this.#held.has(patient);
  }

  /**
   * Called at the start of each delivery morning. On the first morning after the fix the new code path sends
   * every withheld dissent still standing in the GP record at the end of the fix day, spread over FLOOD_MORNINGS
   * mornings' extracts.
   */
  scheduleFlood(deliveryDay: number, book: DeliveryBook): void {
    const morning = this.#startAt + deliveryDay * DAY_MS;
    if (this.#floodScheduled || morning <= DEFECT_FIXED) return;
    this.#floodScheduled = true;
    for (const gp of this.#held.values()) {
      book.add(deliveryDay + this.#random.int(FLOOD_MORNINGS), gp.practice.index, entryFromGp(gp, this.#random.float(), { profile: PROFILE, what: 'floodedReceipts' }));
    }
    this.#held.clear();
  }

  describe(): FaultDescription {
    const fixInWindow = this.#to === DEFECT_FIXED;
    return describeFault(
      this.#ledger,
      PROFILE,
      'Supplier TPP silently drops type 2 dissents from its extracts; after the fix the standing ones arrive at once.',
      { supplier: 'TPP', from: this.#from < this.#to ? this.#from : undefined, to: this.#from < this.#to ? this.#to : undefined },
      {
        fixedAt: fixInWindow ? new Date(DEFECT_FIXED).toISOString() : null,
        floodMornings: fixInWindow ? FLOOD_MORNINGS : 0,
        stillWithheldAtEnd: this.#held.size,
      },
    );
  }
}
