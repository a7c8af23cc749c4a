// GP system suppliers at their English market shares. Source: Kontopantelis et al., BMJ Open 2018;8:e020738,
// August 2016, 7,526 practices: EMIS 56%, SystmOne (TPP) 34%, Vision 9%, the ~1.8% rest Microtest and others
// (PMC5855245). The rest is given to MICROTEST, the only other supplier here.

export type Supplier = 'EMIS' | 'TPP' | 'VISION' | 'MICROTEST';

export interface SupplierShare {
  readonly supplier: Supplier;
  /** Share of practices. */
  readonly practices: number;
  /**
   * Relative list size of its practices. SystmOne serves about a third of practices but about 44% of the
   * population (opensafely ehrql docs, same section), so its practices are larger: 0.44/0.34 against 0.56/0.66.
   */
  readonly listSize: number;
}

export const SUPPLIER_SHARES: readonly SupplierShare[] = [
  { supplier: 'EMIS', practices: 4199 / 7526, listSize: 0.85 },
  { supplier: 'TPP', practices: 2552 / 7526, listSize: 1.29 },
  { supplier: 'VISION', practices: 636 / 7526, listSize: 0.85 },
  { supplier: 'MICROTEST', practices: 139 / 7526, listSize: 0.85 },
];

/**
 * Practices per supplier by largest remainder, so that even a small run holds the shares as closely as its size
 * allows (a random draw would often leave a 20-practice run without a single TPP practice).
 */
export function practicesPerSupplier(practices: number): ReadonlyMap<Supplier, number> {
  const exact = SUPPLIER_SHARES.map((s) => s.practices * practices);
  const counts = exact.map(Math.floor);
  let left = practices - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((p, q) => q.r - p.r || p.i - q.i);
  for (const { i } of byRemainder) {
    if (left === 0) break;
    counts[i] = (counts[i] as number) + 1;
    left--;
  }
  return new Map(SUPPLIER_SHARES.map((s, i) => [s.supplier, counts[i] as number]));
}
