import { describe, expect, it } from 'vitest';
import { parseDuration, readDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads every unit the rules name', () => {
    expect([parseDuration('1500ms'), parseDuration('30s'), parseDuration('90m'), parseDuration('72h'), parseDuration('3d'), parseDuration('0h')])
      .toEqual([1500, 30_000, 5_400_000, 259_200_000, 259_200_000, 0]);
  });
  it('reads decimals exactly, whatever floating point would make of them', () => {
    expect([parseDuration('1.5h'), parseDuration('0.5d'), parseDuration('1.1s'), parseDuration('0.001s'), parseDuration('2.50m'), parseDuration('1.0ms')])
      .toEqual([5_400_000, 43_200_000, 1100, 1, 150_000, 1]);
    expect(parseDuration('1.5h')).toBe(parseDuration('90m'));
  });
  it('refuses what is not a duration', () => {
    for (const bad of ['', '72', 'h', '-1h', '1w', '72 hours', '1e3ms', '.5h', '1.h', '1,5h', '1.5.0h']) {
      expect(parseDuration(bad), bad).toBeUndefined();
      expect(readDuration(bad)).toEqual({ refused: expect.stringMatching(/^is not a duration \(e\.g\. .*1\.5h/) as unknown });
    }
  });
  it('refuses a duration that is not a whole number of milliseconds, and says so', () => {
    for (const bad of ['0.0001s', '1.5ms', '0.12345678h']) expect(readDuration(bad)).toEqual({ refused: 'is not a whole number of milliseconds' });
    expect(readDuration('0.1234h')).toEqual({ ms: 444_240 });
  });
  it('refuses one too long to count in milliseconds', () => {
    expect(readDuration('999999999999999d')).toEqual({ refused: 'is too long a duration' });
  });
});
