// Fault profile phantom-objections: the national service receives objections for patients whose GP record holds
// none (a mis-keyed number upstream, a test record left in a feed). The service then withholds data the patient
// never asked to withhold.
import type { OptOutType } from '../core/records.js';
import type { DeliveryBook } from './delivery-book.js';
import type { DissentRegister } from './dissent-register.js';
import { describeFault, type FaultDescription } from './fault-description.js';
import type { FaultLedger } from './fault-ledger.js';
import { TYPE_2_COLLECTION_ENDS } from './gp-opt-out-activity.js';
import { injectionCount, injectionSlots } from './injection-slots.js';
import type { NdsHoldings } from './nds-holdings.js';
import type { OptOutCodes } from './opt-out-codes.js';
import type { PracticeRoster } from './practice-roster.js';
import type { SeededRandom } from './seeded-random.js';
import type { TestNhsNumbers } from './test-nhs-numbers.js';

const PROFILE = 'phantom-objections';

export interface InjectionContext {
  readonly gp: DissentRegister;
  readonly nds: NdsHoldings;
  readonly roster: PracticeRoster;
  readonly numbers: TestNhsNumbers;
  readonly codes: OptOutCodes;
  readonly book: DeliveryBook;
}

export class PhantomObjections {
  readonly #slots: Map<number, number>;
  readonly #ledger: FaultLedger;
  readonly #random: SeededRandom;
  readonly planned: number;

  constructor(patients: number, lastDeliveryDay: number, ledger: FaultLedger, random: SeededRandom) {
    this.planned = injectionCount(patients);
    this.#slots = injectionSlots(this.planned, 1, lastDeliveryDay, random);
    this.#ledger = ledger;
    this.#random = random;
  }

  /** Books this morning's phantom objections into the extracts of the patients' practices. */
  inject(deliveryDay: number, morning: number, ctx: InjectionContext): void {
    const random = this.#random;
    for (let n = this.#slots.get(deliveryDay) ?? 0; n > 0; n--) {
      const type: OptOutType = morning < TYPE_2_COLLECTION_ENDS && random.chance(0.5) ? 'TYPE_2' : 'TYPE_1';
      for (let attempt = 0; attempt < 50; attempt++) {
        const patient = random.int(ctx.numbers.count);
        if (ctx.gp.isActive(patient, type) || ctx.nds.holds(patient, type)) continue;
        const practice = ctx.roster.practiceOf(patient);
        ctx.book.add(deliveryDay, practice.index, {
          patient,
          nhsNumber: ctx.numbers.of(patient),
          code: ctx.codes.codeFor(practice.supplier, type, 'DISSENT', morning, random),
          type,
          action: 'DISSENT',
          sourceEventId: null,
          recordedAt: undefined,
          cause: { profile: PROFILE, what: 'phantomObjections' },
        });
        break;
      }
    }
  }

  describe(): FaultDescription {
    const t = this.#ledger.talliesOf(PROFILE).get('phantomObjections');
    return describeFault(this.#ledger, PROFILE, 'The national service receives objections for patients whose GP record holds none.', {
      from: t?.firstAt,
      to: t?.lastAt,
    }, { planned: this.planned });
  }
}
