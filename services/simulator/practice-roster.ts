// The simulated GP practices: an ODS code, a supplier and a contiguous block of registered patients each.
import type { SeededRandom } from './seeded-random.js';
import { practicesPerSupplier, SUPPLIER_SHARES, type Supplier } from './supplier-shares.js';

export interface Practice {
  readonly index: number;
  /** One letter and five digits (the English GP practice code shape, e.g. A81001). */
  readonly ods: string;
  readonly supplier: Supplier;
  /** Patients [firstPatient, firstPatient + patients) are registered here. */
  readonly firstPatient: number;
  readonly patients: number;
}

// Letters of existing English practice codes; the letter carries no meaning since 2003 (domain notes, section 5).
const ODS_LETTERS = 'ABCDEFGHJKLMNPY';
// England has had 6,000-8,000 practices; the cap keeps random distinct codes quick to draw.
export const MAX_PRACTICES = 50_000;

export class PracticeRoster {
  readonly practices: readonly Practice[];
  readonly #firstPatients: Int32Array;

  constructor(practiceCount: number, patientCount: number, random: SeededRandom) {
    if (practiceCount < 1 || practiceCount > MAX_PRACTICES) throw new Error(`practices must be between 1 and ${MAX_PRACTICES}`);
    if (patientCount < practiceCount) throw new Error('every practice needs at least one patient');
    const suppliers = supplierOrder(practiceCount, random.fork('suppliers'));
    const sizes = listSizes(suppliers, patientCount, random.fork('list-sizes'));
    const odsCodes = distinctOdsCodes(practiceCount, random.fork('ods'));
    const practices: Practice[] = [];
    this.#firstPatients = new Int32Array(practiceCount);
    let next = 0;
    for (let i = 0; i < practiceCount; i++) {
      practices.push(Object.freeze({ index: i, ods: odsCodes[i] as string, supplier: suppliers[i] as Supplier, firstPatient: next, patients: sizes[i] as number }));
      this.#firstPatients[i] = next;
      next += sizes[i] as number;
    }
    this.practices = Object.freeze(practices);
  }

  /** The practice a patient is registered at. */
  practiceOf(patient: number): Practice {
    let lo = 0;
    let hi = this.#firstPatients.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.#firstPatients[mid] as number) <= patient) lo = mid;
      else hi = mid - 1;
    }
    return this.practices[lo] as Practice;
  }

  bySupplier(supplier: Supplier): readonly Practice[] {
    return this.practices.filter((p) => p.supplier === supplier);
  }
}

function supplierOrder(practiceCount: number, random: SeededRandom): Supplier[] {
  const order: Supplier[] = [];
  for (const [supplier, count] of practicesPerSupplier(practiceCount)) {
    for (let i = 0; i < count; i++) order.push(supplier);
  }
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [order[i], order[j]] = [order[j] as Supplier, order[i] as Supplier];
  }
  return order;
}

/** List sizes vary about threefold around the supplier's mean; every practice keeps at least one patient. */
function listSizes(suppliers: readonly Supplier[], patientCount: number, random: SeededRandom): number[] {
  const weights = suppliers.map((s) => (SUPPLIER_SHARES.find((x) => x.supplier === s)?.listSize ?? 1) * (0.5 + random.float()));
  const total = weights.reduce((a, b) => a + b, 0);
  const spare = patientCount - suppliers.length;
  const exact = weights.map((w) => (w / total) * spare);
  const sizes = exact.map((x) => 1 + Math.floor(x));
  let left = patientCount - sizes.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((p, q) => q.r - p.r || p.i - q.i);
  for (const { i } of byRemainder) {
    if (left === 0) break;
    sizes[i] = (sizes[i] as number) + 1;
    left--;
  }
  return sizes;
}

function distinctOdsCodes(count: number, random: SeededRandom): string[] {
  const seen = new Set<string>();
  const codes: string[] = [];
  while (codes.length < count) {
    const code = (ODS_LETTERS[random.int(ODS_LETTERS.length)] as string) + String(10_000 + random.int(90_000));
    if (seen.has(code)) continue;
    seen.add(code);
    codes.push(code);
  }
  return codes;
}
