import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packStrings, valueAt } from './packed-strings.js';

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
});
