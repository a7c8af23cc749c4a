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

describe('formatDuration', async () => {
  const { formatDuration } = await import('./summary.js');
  it('uses the largest unit that reads naturally', () => {
    expect([formatDuration(72 * 3_600_000), formatDuration(3_600_000), formatDuration(90_000), formatDuration(1500), formatDuration(12), formatDuration(5 * 86_400_000), formatDuration(null)])
      .toEqual(['72h', '1h', '1.5m', '1.5s', '12ms', '5d', '-']);
  });
});
