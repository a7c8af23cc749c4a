// The national data service's weekly releases: on each Monday evening a batch of candidate lines (a patient, a
// recipient, a purpose) is drawn, and the opt-out filter then keeps back every line, other than for direct care,
// of a patient whose objection the service holds. Lines are drawn one at a time so that a release of millions
// is never held in memory.
import type { Purpose } from '../core/records.js';
import { DAY_MS, HOUR_MS } from './scenario-params.js';
import type { SeededRandom } from './seeded-random.js';

export interface CandidateLine {
  readonly patient: number;
  readonly purpose: Purpose;
  readonly recipient: string;
  readonly sharedAt: number;
}

const PURPOSES: readonly Purpose[] = ['DIRECT_CARE', 'PLANNING', 'RESEARCH', 'OTHER'];
// Cumulative shares of the purposes above: 10% direct care, 40% planning, 35% research, 15% other.
const PURPOSE_UP_TO = [0.1, 0.5, 0.85, 1];
// Fictitious recipients, by purpose.
const RECIPIENTS: Readonly<Record<Purpose, readonly string[]>> = {
  DIRECT_CARE: ['Acute Hospital Trust', 'Community Care Trust'],
  PLANNING: ['Commissioning Support Unit', 'Clinical Commissioning Group'],
  RESEARCH: ['University Research Group', 'National Clinical Audit Programme'],
  OTHER: ['Public Health Surveillance Unit', 'Health Analytics Contractor'],
};

// After surgery hours, so that a release sees the whole day's GP entries and the morning's receipts.
const RELEASE_OPENS = 19 * HOUR_MS;
const RELEASE_LASTS = 4 * HOUR_MS;
const MONDAY = 1;

/** Indices of the simulated days on which a release goes out. */
export function releaseDays(startAt: number, days: number): number[] {
  const out: number[] = [];
  for (let d = 0; d < days; d++) if (new Date(startAt + d * DAY_MS).getUTCDay() === MONDAY) out.push(d);
  return out;
}

export class WeeklyReleases {
  readonly #random: SeededRandom;
  readonly #patients: number;
  readonly linesPerRelease: number;

  constructor(patients: number, linesPerRelease: number, random: SeededRandom) {
    this.#patients = patients;
    this.linesPerRelease = linesPerRelease;
    this.#random = random;
  }

  /** Candidate line `i` of the release on the day starting at `dayStart`; sharedAt rises with i. */
  candidate(dayStart: number, i: number): CandidateLine {
    const random = this.#random;
    const u = random.float();
    let k = 0;
    while (u >= (PURPOSE_UP_TO[k] as number) && k < PURPOSES.length - 1) k++;
    const purpose = PURPOSES[k] as Purpose;
    return {
      patient: random.int(this.#patients),
      purpose,
      recipient: random.pick(RECIPIENTS[purpose]),
      sharedAt: dayStart + RELEASE_OPENS + Math.floor((i * RELEASE_LASTS) / this.linesPerRelease),
    };
  }
}
