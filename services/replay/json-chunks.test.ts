import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonChunks } from './json-chunks.js';

const text = (value: unknown, depth?: number) => [...jsonChunks(value, depth)].join('');

describe('jsonChunks', () => {
  it('joins to exactly JSON.stringify(value, null, 2) and a newline, whatever the depth opened', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 4 }), (value, depth) => {
      expect(text(value, depth)).toBe(`${JSON.stringify(value, null, 2)}\n`);
    }));
  });

  it('leaves out what JSON leaves out and writes null for what it cannot hold', () => {
    const value = { a: undefined, b: [undefined, Number.NaN, -Infinity], c: { d: () => 1 }, e: [], f: {}, g: 'line\nbreak', h: new Date(0) };
    expect(text(value, 3)).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });

  it('comes in chunks of bounded size for a large array', () => {
    const chunks = [...jsonChunks({ alerts: Array.from({ length: 20_000 }, (_, i) => ({ alertId: `a${i}`, rule: 'SHARED_DESPITE_OBJECTION' })) })];
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks) expect(chunk.length).toBeLessThan(2 * 65_536);
  });
});
