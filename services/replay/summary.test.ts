import { describe, expect, it } from 'vitest';
import { formatDuration } from './summary.js';

describe('formatDuration', () => {
  it('uses the largest unit that reads naturally', () => {
    expect([formatDuration(72 * 3_600_000), formatDuration(3_600_000), formatDuration(90_000), formatDuration(1500), formatDuration(12), formatDuration(5 * 86_400_000), formatDuration(null)])
      .toEqual(['72h', '1h', '1.5m', '1.5s', '12ms', '5d', '-']);
  });
});
