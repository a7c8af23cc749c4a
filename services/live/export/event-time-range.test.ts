import { describe, expect, it } from 'vitest';
import { inRange, parseInstant } from './event-time-range.js';

describe('the event-time range of an export', () => {
  it('reads a date as midnight UTC, a date-time with its offset, and epoch milliseconds', () => {
    expect(parseInstant('2018-03-01')).toBe(Date.UTC(2018, 2, 1));
    expect(parseInstant('2018-03-01T01:30:00+01:00')).toBe(Date.UTC(2018, 2, 1, 0, 30));
    expect(parseInstant('1519862400000')).toBe(Date.UTC(2018, 2, 1));
  });

  it('refuses dates that do not exist, local times without an offset and other text', () => {
    for (const text of ['2018-02-30', '2018-03-01T00:00:00', 'yesterday', '', '1e12', '99999999999999999']) expect(parseInstant(text), text).toBeUndefined();
  });

  it('includes its start and excludes its end, so adjacent ranges share no record', () => {
    const march = { fromMs: Date.UTC(2018, 2, 1), toMs: Date.UTC(2018, 3, 1) };
    const april = { fromMs: Date.UTC(2018, 3, 1), toMs: null };
    expect(inRange(march, Date.UTC(2018, 2, 1))).toBe(true);
    expect(inRange(march, Date.UTC(2018, 3, 1) - 1)).toBe(true);
    expect(inRange(march, Date.UTC(2018, 3, 1))).toBe(false);
    expect(inRange(april, Date.UTC(2018, 3, 1))).toBe(true);
    expect(inRange(march, Date.UTC(2018, 1, 28))).toBe(false);
    expect(inRange({ fromMs: null, toMs: null }, -1)).toBe(true);
  });
});
