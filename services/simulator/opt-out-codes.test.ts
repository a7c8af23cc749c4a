import { describe, expect, it } from 'vitest';
import { CodeCatalogue } from '../core/code-catalogue.js';
import { SHIPPED_CATALOGUE } from './testing/collected-scenario.js';
import { codeSystemFor, OptOutCodes } from './opt-out-codes.js';
import { SeededRandom } from './seeded-random.js';

const before = Date.UTC(2018, 2, 31, 12);
const after = Date.UTC(2018, 3, 1);

describe('opt-out codes by supplier and era', () => {
  it('codes TPP in CTV3 and the others in Read v2 before April 2018, everyone in SNOMED CT from then', () => {
    expect(codeSystemFor('TPP', before)).toBe('CTV3');
    for (const s of ['EMIS', 'VISION', 'MICROTEST'] as const) expect(codeSystemFor(s, before)).toBe('READ_V2');
    for (const s of ['TPP', 'EMIS', 'VISION', 'MICROTEST'] as const) expect(codeSystemFor(s, after)).toBe('SNOMED_CT');
  });

  it('writes codes the catalogue reads back to the same type and action, Read v2 sometimes with a full stop', () => {
    const codes = new OptOutCodes(SHIPPED_CATALOGUE);
    const r = new SeededRandom(1);
    let fullStops = 0;
    for (const supplier of ['TPP', 'EMIS'] as const) {
      for (const at of [before, after]) {
        for (const type of ['TYPE_1', 'TYPE_2'] as const) {
          for (const action of ['DISSENT', 'WITHDRAWN'] as const) {
            for (let i = 0; i < 20; i++) {
              const code = codes.codeFor(supplier, type, action, at, r);
              expect(SHIPPED_CATALOGUE.lookup(code)).toMatchObject({ type, action });
              const entry = SHIPPED_CATALOGUE.entries.find((e) => e.code === code.replace(/\.$/, ''));
              expect(entry?.system).toBe(codeSystemFor(supplier, at));
              if (code.endsWith('.')) fullStops++;
            }
          }
        }
      }
    }
    expect(fullStops).toBeGreaterThan(0);
  });

  it('refuses a catalogue that lacks a code it needs', () => {
    const partial = new CodeCatalogue(SHIPPED_CATALOGUE.entries.filter((e) => e.code !== 'XaaVM'));
    expect(() => new OptOutCodes(partial)).toThrow(/CTV3 TYPE_2 WITHDRAWN/);
  });
});
