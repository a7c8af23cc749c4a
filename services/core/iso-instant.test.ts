import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoInstant } from './iso-instant.js';

describe('isoInstant', () => {
  it('is toISOString for any instant a Date can hold', () => {
    fc.assert(fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (t) => {
      expect(isoInstant(t)).toBe(new Date(t).toISOString());
    }), { numRuns: 20_000 });
  });

  it('is toISOString around the edges of days, leap years and the years it writes itself', () => {
    const edges = ['1970-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '2000-02-29T23:59:59.999Z', '1900-03-01T00:00:00.000Z',
      '0000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '2018-06-26T00:00:00.000Z'].map((s) => Date.parse(s));
    for (const t of edges.flatMap((e) => [e - 1, e, e + 1])) expect(isoInstant(t)).toBe(new Date(t).toISOString());
  });
});
