import { describe, expect, it } from 'vitest';
import { SeededRandom } from './seeded-random.js';

const draw = (r: SeededRandom, n: number): number[] => Array.from({ length: n }, () => r.nextU32());

describe('SeededRandom', () => {
  it('gives the same sequence for the same seed and label, and a different one otherwise', () => {
    expect(draw(new SeededRandom(42), 100)).toEqual(draw(new SeededRandom(42), 100));
    expect(draw(new SeededRandom(42), 100)).not.toEqual(draw(new SeededRandom(43), 100));
    expect(draw(new SeededRandom(42, 'a'), 100)).not.toEqual(draw(new SeededRandom(42, 'b'), 100));
    // Seeds that differ only above 32 bits are different seeds.
    expect(draw(new SeededRandom(2 ** 40 + 1), 10)).not.toEqual(draw(new SeededRandom(1), 10));
  });

  it('forks streams that do not depend on how much the parent has drawn', () => {
    const a = new SeededRandom(5);
    const b = new SeededRandom(5);
    draw(b, 1000);
    expect(draw(a.fork('x'), 50)).toEqual(draw(b.fork('x'), 50));
    expect(draw(a.fork('x'), 50)).not.toEqual(draw(a.fork('y'), 50));
  });

  it('draws uniformly: int stays in range and every value turns up about equally often', () => {
    const r = new SeededRandom(9);
    const counts = new Array<number>(10).fill(0);
    let outOfRange = 0;
    for (let i = 0; i < 100_000; i++) {
      const v = r.int(10);
      if (v >= 0 && v < 10 && Number.isInteger(v)) counts[v] = (counts[v] as number) + 1;
      else outOfRange++;
    }
    expect(outOfRange).toBe(0);
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it('draws Poisson counts with the asked mean, small and large', () => {
    const r = new SeededRandom(11);
    for (const mean of [0.3, 4, 250]) {
      let sum = 0;
      const n = 4000;
      for (let i = 0; i < n; i++) sum += r.poisson(mean);
      expect(sum / n).toBeCloseTo(mean, mean < 1 ? 1 : 0);
    }
    expect(r.poisson(0)).toBe(0);
  });

  it('weights picks by their weights', () => {
    const r = new SeededRandom(3);
    let second = 0;
    for (let i = 0; i < 20_000; i++) if (r.weightedIndex([1, 3]) === 1) second++;
    expect(second / 20_000).toBeCloseTo(0.75, 1);
  });

  it('rejects a seed that is not a non-negative safe integer', () => {
    expect(() => new SeededRandom(-1)).toThrow();
    expect(() => new SeededRandom(1.5)).toThrow();
  });
});
