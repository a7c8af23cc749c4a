import { describe, expect, it } from 'vitest';
import { ObjectorFilter } from './objector-filter.js';

describe('ObjectorFilter', () => {
  it('answers exactly like the set it was built from', () => {
    const objectors = Array.from({ length: 5000 }, (_, i) => String(9990000000 + i * 97));
    const filter = new ObjectorFilter(objectors);
    const truth = new Set(objectors);
    for (let i = 0; i < 100_000; i++) {
      const probe = String(9990000000 + i * 13);
      expect(filter.has(probe)).toBe(truth.has(probe));
    }
    expect(new ObjectorFilter([]).has('9990000018')).toBe(false);
  });
});
