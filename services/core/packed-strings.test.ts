import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeStrings, packStrings, valueAt } from './packed-strings.js';

describe('packed strings', () => {
  it('give back each value, null for a null or absent one, whatever the strings hold', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.string(), fc.constant(null), fc.constant(undefined))), (values) => {
      const packed = packStrings(values);
      expect(values.map((_, i) => valueAt(packed, i))).toEqual(values.map((v) => v ?? null));
    }), { numRuns: 300 });
  });

  it('keep no null marks when every value is a string', () => {
    expect(packStrings(['gp-1', '', 'gp-22']).nulls).toBeNull();
    expect(packStrings(['gp-1', null]).nulls).toEqual(new Uint8Array([0, 1]));
  });

  it('read an array column as it is', () => {
    expect(valueAt([3, 'x', null], 1)).toBe('x');
  });

  it('code strings as each distinct value once, and give each back', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom('A81001', 'B82002', 'TPP', '', 'é')), (values) => {
      const coded = codeStrings(values);
      expect(values.map((_, i) => valueAt(coded, i))).toEqual(values);
      expect(coded.values).toEqual([...new Set(values)]);
    }), { numRuns: 200 });
  });

  it('read a Float64Array column as numbers', () => {
    expect(valueAt(Float64Array.from([1_500_000_000_000, 7]), 0)).toBe(1_500_000_000_000);
  });
});
