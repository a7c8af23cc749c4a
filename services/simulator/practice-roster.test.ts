import { describe, expect, it } from 'vitest';
import { PracticeRoster } from './practice-roster.js';
import { SeededRandom } from './seeded-random.js';
import { practicesPerSupplier, SUPPLIER_SHARES } from './supplier-shares.js';

describe('practice roster', () => {
  it('gives distinct ODS codes of one letter and five digits', () => {
    const roster = new PracticeRoster(3000, 300_000, new SeededRandom(1));
    const codes = roster.practices.map((p) => p.ods);
    for (const c of codes) expect(c).toMatch(/^[A-Z]\d{5}$/);
    expect(new Set(codes).size).toBe(3000);
  });

  it('spreads practices over the suppliers at their market shares, with larger TPP lists', () => {
    const roster = new PracticeRoster(2000, 900_000, new SeededRandom(2));
    const share = (s: string) => roster.practices.filter((p) => p.supplier === s).length / 2000;
    expect(share('EMIS')).toBeCloseTo(0.558, 2);
    expect(share('TPP')).toBeCloseTo(0.339, 2);
    expect(share('VISION')).toBeCloseTo(0.0845, 2);
    expect(share('MICROTEST')).toBeCloseTo(0.0185, 2);
    const patientsOf = (s: string) => roster.bySupplier(s as never).reduce((a, p) => a + p.patients, 0);
    // SystmOne: about a third of practices, about 44% of patients (domain notes, section 5).
    expect(patientsOf('TPP') / 900_000).toBeGreaterThan(0.39);
    expect(patientsOf('TPP') / 900_000).toBeLessThan(0.49);
  });

  it('keeps the shares even in a small run rather than leaving a supplier out by chance', () => {
    const counts = practicesPerSupplier(20);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(20);
    expect(counts.get('EMIS')).toBe(11);
    expect(counts.get('TPP')).toBe(7);
    expect(counts.get('VISION')).toBe(2);
    expect(SUPPLIER_SHARES.reduce((a, s) => a + s.practices, 0)).toBeCloseTo(1, 9);
  });

  it('registers every patient at exactly one practice, in contiguous blocks', () => {
    const roster = new PracticeRoster(37, 10_001, new SeededRandom(3));
    expect(roster.practices.reduce((a, p) => a + p.patients, 0)).toBe(10_001);
    for (const p of roster.practices) {
      expect(p.patients).toBeGreaterThanOrEqual(1);
      expect(roster.practiceOf(p.firstPatient)).toBe(p);
      expect(roster.practiceOf(p.firstPatient + p.patients - 1)).toBe(p);
    }
  });

  it('is the same roster for the same seed', () => {
    const a = new PracticeRoster(50, 5000, new SeededRandom(4)).practices;
    const b = new PracticeRoster(50, 5000, new SeededRandom(4)).practices;
    expect(b).toEqual(a);
    expect(new PracticeRoster(50, 5000, new SeededRandom(5)).practices).not.toEqual(a);
  });
});
