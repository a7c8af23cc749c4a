import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads every unit the rules name', () => {
    expect([parseDuration('1500ms'), parseDuration('30s'), parseDuration('90m'), parseDuration('72h'), parseDuration('3d'), parseDuration('0h')])
      .toEqual([1500, 30_000, 5_400_000, 259_200_000, 259_200_000, 0]);
  });
  it('refuses what is not a duration', () => {
    for (const bad of ['', '72', 'h', '-1h', '1.5h', '1w', '72 hours', '1e3ms']) expect(parseDuration(bad)).toBeUndefined();
  });
});
