// Which code a GP system writes for an opt-out, by supplier and era. Before 1 April 2018 SystmOne (TPP) coded in
// CTV3 and EMIS, Vision and Microtest in Read v2; from then on every system codes in SNOMED CT (domain notes,
// section 3). The codes themselves come from the catalogue, which a deployment may replace.
import type { CodeCatalogue, CodeSystem } from '../core/code-catalogue.js';
import type { OptOutAction, OptOutType } from '../core/records.js';
import type { SeededRandom } from './seeded-random.js';
import type { Supplier } from './supplier-shares.js';

export const SNOMED_FROM = Date.UTC(2018, 3, 1);

/** Share of Read v2 entries written with the trailing full stop some systems add ("9Nu0."). */
const READ_V2_FULL_STOP_SHARE = 0.4;

export function codeSystemFor(supplier: Supplier, at: number): CodeSystem {
  if (at >= SNOMED_FROM) return 'SNOMED_CT';
  return supplier === 'TPP' ? 'CTV3' : 'READ_V2';
}

export class OptOutCodes {
  readonly #codes = new Map<string, string>();

  constructor(catalogue: CodeCatalogue) {
    for (const entry of catalogue.entries) {
      const key = keyOf(entry.system, entry.type, entry.action);
      if (!this.#codes.has(key)) this.#codes.set(key, entry.code);
    }
    const missing: string[] = [];
    for (const system of ['SNOMED_CT', 'READ_V2', 'CTV3'] as const) {
      for (const type of ['TYPE_1', 'TYPE_2'] as const) {
        for (const action of ['DISSENT', 'WITHDRAWN'] as const) {
          if (!this.#codes.has(keyOf(system, type, action))) missing.push(keyOf(system, type, action));
        }
      }
    }
    if (missing.length > 0) throw new Error(`the code catalogue has no code for ${missing.join(', ')}`);
  }

  /** The code as the supplier's system writes it at `at`. */
  codeFor(supplier: Supplier, type: OptOutType, action: OptOutAction, at: number, random: SeededRandom): string {
    const system = codeSystemFor(supplier, at);
    const code = this.#codes.get(keyOf(system, type, action)) as string;
    return system === 'READ_V2' && random.chance(READ_V2_FULL_STOP_SHARE) ? `${code}.` : code;
  }
}

function keyOf(system: CodeSystem, type: OptOutType, action: OptOutAction): string {
  return `${system} ${type} ${action}`;
}
