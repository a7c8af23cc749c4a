// Fault profile revoked-objections: the national service receives a withdrawal the GP record does not hold, so it
// drops an objection the patient still has and starts releasing their data again.
import type { OptOutType } from '../core/records.js';
import { describeFault, type FaultDescription } from './fault-description.js';
import type { FaultLedger } from './fault-ledger.js';
import { injectionCount, injectionSlots } from './injection-slots.js';
import type { InjectionContext } from './phantom-objections.js';
import type { SeededRandom } from './seeded-random.js';

const PROFILE = 'revoked-objections';

export class RevokedObjections {
  readonly #slots: Map<number, number>;
  readonly #ledger: FaultLedger;
  readonly #random: SeededRandom;
  readonly planned: number;
  // Slots that found nobody to revoke (no objection held on both sides yet) wait for a later morning.
  #waiting = 0;

  constructor(patients: number, lastDeliveryDay: number, ledger: FaultLedger, random: SeededRandom) {
    this.planned = injectionCount(patients);
    this.#slots = injectionSlots(this.planned, 1, lastDeliveryDay, random);
    this.#ledger = ledger;
    this.#random = random;
  }

  inject(deliveryDay: number, morning: number, ctx: InjectionContext): void {
    const random = this.#random;
    this.#waiting += this.#slots.get(deliveryDay) ?? 0;
    while (this.#waiting > 0) {
      const found = this.#pick(ctx);
      if (found === undefined) return;
      const practice = ctx.roster.practiceOf(found.patient);
      ctx.book.add(deliveryDay, practice.index, {
        patient: found.patient,
        nhsNumber: ctx.numbers.of(found.patient),
        code: ctx.codes.codeFor(practice.supplier, found.type, 'WITHDRAWN', morning, random),
        type: found.type,
        action: 'WITHDRAWN',
        sourceEventId: null,
        recordedAt: undefined,
        cause: { profile: PROFILE, what: 'revokedObjections' },
      });
      this.#waiting--;
    }
  }

  /** A patient whose objection both the GP record and the national service hold. */
  #pick(ctx: InjectionContext): { patient: number; type: OptOutType } | undefined {
    for (let attempt = 0; attempt < 50; attempt++) {
      const type: OptOutType = this.#random.chance(0.5) ? 'TYPE_2' : 'TYPE_1';
      const patient = ctx.gp.randomActive(type, this.#random);
      if (patient !== undefined && ctx.nds.holds(patient, type)) return { patient, type };
    }
    return undefined;
  }

  describe(): FaultDescription {
    const t = this.#ledger.talliesOf(PROFILE).get('revokedObjections');
    return describeFault(this.#ledger, PROFILE, 'The national service receives withdrawals the GP record does not hold.', {
      from: t?.firstAt,
      to: t?.lastAt,
    }, { planned: this.planned, stillWaitingAtEnd: this.#waiting });
  }
}
