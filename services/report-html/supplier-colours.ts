// Colours that stay apart in print and for the common colour-vision deficiencies (Okabe and Ito's palette),
// given to suppliers in name order so a supplier keeps its colour across charts.
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

export function supplierColours(suppliers: readonly string[]): ReadonlyMap<string, string> {
  return new Map(suppliers.map((s, i) => [s, PALETTE[i % PALETTE.length]!]));
}
