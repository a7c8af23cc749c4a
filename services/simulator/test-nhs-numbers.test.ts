import { describe, expect, it } from 'vitest';
import { isValidNhsNumber } from '../core/nhs-number.js';
import { SeededRandom } from './seeded-random.js';
import { checkDigit, invalidTestNhsNumber, TEST_RANGE_CAPACITY, TestNhsNumbers } from './test-nhs-numbers.js';

describe('test-range NHS numbers', () => {
  it('computes the check digits of the published 999-range examples', () => {
    // The Modulus 11 check digits (NHS Data Dictionary, NHS NUMBER) of 999000001, 999000002 and 999999999.
    expect(checkDigit(999000001)).toBe(8);
    expect(checkDigit(999000002)).toBe(6);
    expect(checkDigit(999999999)).toBe(9);
  });

  it('counts the valid numbers of the range: the prefixes whose check value is not 10', () => {
    expect(TEST_RANGE_CAPACITY).toBeGreaterThan(900_000);
    expect(TEST_RANGE_CAPACITY).toBeLessThan(1_000_000);
  });

  it('gives every patient a distinct, valid number in 999 000 0000 - 999 999 9999', () => {
    const numbers = new TestNhsNumbers(50_000, new SeededRandom(1));
    const seen = new Set<string>();
    const wrong: string[] = [];
    for (let i = 0; i < numbers.count; i++) {
      const n = numbers.of(i);
      if (!/^999\d{7}$/.test(n) || !isValidNhsNumber(n)) wrong.push(n);
      seen.add(n);
    }
    expect(wrong).toEqual([]);
    expect(seen.size).toBe(50_000);
  });

  it('can hand out the whole range, and no more', () => {
    const all = new TestNhsNumbers(TEST_RANGE_CAPACITY, new SeededRandom(2));
    expect(isValidNhsNumber(all.of(TEST_RANGE_CAPACITY - 1))).toBe(true);
    expect(() => new TestNhsNumbers(TEST_RANGE_CAPACITY + 1, new SeededRandom(2))).toThrow(/test range/);
  });

  it('makes deliberately invalid numbers that keep the 999 prefix and fail the check', () => {
    const r = new SeededRandom(3);
    const made = Array.from({ length: 2000 }, () => invalidTestNhsNumber(r));
    expect(made.filter((n) => !/^999\d{7}$/.test(n) || isValidNhsNumber(n))).toEqual([]);
  });
});
