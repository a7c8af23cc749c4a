// Opt-out entries made in the GP systems, day by day: patients come in to dissent (type 1, type 2 or both on one
// form) and some standing dissents are later withdrawn. The GP record is the upstream truth.
import type { GpOptOutEvent, OptOutAction, OptOutType } from '../core/records.js';
import { DissentRegister } from './dissent-register.js';
import { IdSequence } from './id-sequence.js';
import type { OptOutCodes } from './opt-out-codes.js';
import type { Practice, PracticeRoster } from './practice-roster.js';
import { HOUR_MS, YEAR_DAYS } from './scenario-params.js';
import type { SeededRandom } from './seeded-random.js';
import type { TestNhsNumbers } from './test-nhs-numbers.js';

/** A GP event with what the generator knows about it. */
export interface GpEntry {
  readonly event: GpOptOutEvent;
  readonly patient: number;
  readonly practice: Practice;
  readonly type: OptOutType;
  readonly action: OptOutAction;
}

// Type 2 codes stopped being collected after 11 October 2018 (domain notes, section 2): none are entered later.
export const TYPE_2_COLLECTION_ENDS = Date.UTC(2018, 9, 12);

// Surgery hours in which codes are entered, UTC.
const OPENS = 8 * HOUR_MS;
const OPEN_FOR_SECONDS = 10.5 * 3600;

// What one opt-out visit records: type 1 only, type 2 only, or both on the same form.
const VISIT_KINDS: readonly (readonly OptOutType[])[] = [['TYPE_1'], ['TYPE_2'], ['TYPE_1', 'TYPE_2']];
const VISIT_WEIGHTS = [0.45, 0.25, 0.3];

interface Planned {
  readonly patient: number;
  readonly type: OptOutType;
  readonly action: OptOutAction;
  readonly at: number;
}

export interface GpActivitySettings {
  readonly optOutsPerYear: number;
  readonly withdrawalsPerYear: number;
}

export class GpOptOutActivity {
  readonly register: DissentRegister;
  readonly ids = new IdSequence('gp-');
  readonly #roster: PracticeRoster;
  readonly #numbers: TestNhsNumbers;
  readonly #codes: OptOutCodes;
  readonly #who: SeededRandom;
  readonly #codeStyle: SeededRandom;
  readonly #visitsPerDay: number;
  readonly #withdrawalHazard: number;
  // Day stamp per patient, so that nobody both withdraws and dissents again on the same day.
  readonly #touched: Int32Array;

  constructor(roster: PracticeRoster, numbers: TestNhsNumbers, codes: OptOutCodes, settings: GpActivitySettings, random: SeededRandom) {
    this.#roster = roster;
    this.#numbers = numbers;
    this.#codes = codes;
    this.#who = random.fork('who');
    this.#codeStyle = random.fork('code-style');
    this.register = new DissentRegister(numbers.count);
    this.#touched = new Int32Array(numbers.count);
    this.#visitsPerDay = (numbers.count * settings.optOutsPerYear) / YEAR_DAYS;
    // Each standing dissent is withdrawn on a given day with this probability.
    this.#withdrawalHazard = settings.withdrawalsPerYear / YEAR_DAYS;
  }

  /** The entries made on `day` (which starts at `dayStart`), in time order, applied to the register. */
  recordDay(day: number, dayStart: number): GpEntry[] {
    const random = this.#who;
    const stamp = day + 1;
    const planned: Planned[] = [];
    const typesOpen: OptOutType[] = dayStart < TYPE_2_COLLECTION_ENDS ? ['TYPE_1', 'TYPE_2'] : ['TYPE_1'];

    for (const type of typesOpen) {
      const withdrawals = random.poisson(this.register.count(type) * this.#withdrawalHazard);
      for (let i = 0; i < withdrawals; i++) {
        const patient = this.register.randomActive(type, random);
        if (patient === undefined || this.#touched[patient] === stamp) continue;
        this.#touched[patient] = stamp;
        planned.push({ patient, type, action: 'WITHDRAWN', at: dayStart + entryTime(random) });
      }
    }

    const visits = random.poisson(this.#visitsPerDay);
    for (let v = 0; v < visits; v++) {
      const wanted = (VISIT_KINDS[random.weightedIndex(VISIT_WEIGHTS)] as readonly OptOutType[]).filter((t) => typesOpen.includes(t));
      // A patient who already holds the dissent has nothing to record; try a few others.
      for (let attempt = 0; attempt < 5; attempt++) {
        const patient = random.int(this.#numbers.count);
        if (this.#touched[patient] === stamp) continue;
        const types = wanted.filter((t) => !this.register.isActive(patient, t));
        if (types.length === 0) continue;
        this.#touched[patient] = stamp;
        const at = dayStart + entryTime(random);
        // The second code of a two-type form goes in a minute or two after the first.
        types.forEach((type, k) => planned.push({ patient, type, action: 'DISSENT', at: at + k * random.between(60, 180) * 1000 }));
        break;
      }
    }

    planned.sort((a, b) => a.at - b.at);
    return planned.map((p) => this.#enter(p));
  }

  #enter(p: Planned): GpEntry {
    const practice = this.#roster.practiceOf(p.patient);
    const event: GpOptOutEvent = {
      eventId: this.ids.next(),
      nhsNumber: this.#numbers.of(p.patient),
      practiceOds: practice.ods,
      supplier: practice.supplier,
      code: this.#codes.codeFor(practice.supplier, p.type, p.action, p.at, this.#codeStyle),
      recordedAt: p.at,
    };
    if (p.action === 'DISSENT') this.register.dissent(p.patient, p.type, p.at);
    else this.register.withdraw(p.patient, p.type);
    return { event, patient: p.patient, practice, type: p.type, action: p.action };
  }
}

/** Milliseconds after midnight, to the second, within surgery hours. */
function entryTime(random: SeededRandom): number {
  return OPENS + random.int(OPEN_FOR_SECONDS) * 1000;
}
