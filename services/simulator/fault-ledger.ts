// What each fault actually did, counted as the records are generated, for scenario.json: how many of what, the
// first and last instant affected, and a few record ids to look up. Never an NHS number.
import type { FaultProfile } from './scenario-params.js';

const SAMPLE_IDS = 5;

export interface Tally {
  count: number;
  firstAt: number | undefined;
  lastAt: number | undefined;
  readonly sampleIds: string[];
}

export class FaultLedger {
  readonly #tallies = new Map<FaultProfile, Map<string, Tally>>();

  /** One more `what` caused by `profile`, at event time `at`, on the record with id `id`. */
  note(profile: FaultProfile, what: string, at?: number, id?: string): void {
    const tally = this.#tally(profile, what);
    tally.count++;
    if (at !== undefined) {
      if (tally.firstAt === undefined || at < tally.firstAt) tally.firstAt = at;
      if (tally.lastAt === undefined || at > tally.lastAt) tally.lastAt = at;
    }
    if (id !== undefined && tally.sampleIds.length < SAMPLE_IDS) tally.sampleIds.push(id);
  }

  count(profile: FaultProfile, what: string): number {
    return this.#tallies.get(profile)?.get(what)?.count ?? 0;
  }

  /** Every tally of a profile, by what was counted, in the order first noted. */
  talliesOf(profile: FaultProfile): ReadonlyMap<string, Tally> {
    return this.#tallies.get(profile) ?? new Map();
  }

  #tally(profile: FaultProfile, what: string): Tally {
    let byWhat = this.#tallies.get(profile);
    if (byWhat === undefined) {
      byWhat = new Map();
      this.#tallies.set(profile, byWhat);
    }
    let tally = byWhat.get(what);
    if (tally === undefined) {
      tally = { count: 0, firstAt: undefined, lastAt: undefined, sampleIds: [] };
      byWhat.set(what, tally);
    }
    return tally;
  }
}
