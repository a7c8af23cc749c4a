import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createIsoFormatter, parseIsoTimestamp } from './iso-timestamp.js';

describe('parseIsoTimestamp', () => {
  it.each([
    ['2018-01-15T09:30:00Z', Date.UTC(2018, 0, 15, 9, 30)],
    ['2018-01-15T09:30:00.1Z', Date.UTC(2018, 0, 15, 9, 30, 0, 100)],
    ['2018-01-15T09:30:00.123Z', Date.UTC(2018, 0, 15, 9, 30, 0, 123)],
    ['2018-01-15T09:30:00.123999Z', Date.UTC(2018, 0, 15, 9, 30, 0, 123)],
    ['2018-01-15T10:30:00+01:00', Date.UTC(2018, 0, 15, 9, 30)],
    ['2018-01-15T04:00:00.5-05:30', Date.UTC(2018, 0, 15, 9, 30, 0, 500)],
    ['2016-02-29T00:00:00Z', Date.UTC(2016, 1, 29)],
    ['2000-02-29T23:59:59.999Z', Date.UTC(2000, 1, 29, 23, 59, 59, 999)],
    ['1969-12-31T23:59:59.999Z', -1],
    ['0050-06-01T00:00:00Z', -60_576_249_600_000], // Date.UTC(50, ...) would give 1950
  ])('%s', (text, millis) => {
    expect(parseIsoTimestamp(text)).toBe(millis);
  });

  it.each([
    '2018-02-30T00:00:00Z', // Date.parse turns this into 2 March
    '2017-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2018-04-31T00:00:00Z',
    '2018-13-01T00:00:00Z',
    '2018-00-10T00:00:00Z',
    '2018-01-15T24:00:00Z',
    '2018-01-15T23:60:00Z',
    '2018-12-31T23:59:60Z',
    '2018-01-15', // date only
    '2018-01-15T09:30:00', // no offset: a local time, not an instant
    '2018-01-15T09:30Z',
    '2018-01-15 09:30:00Z',
    '2018-01-15T09:30:00.Z',
    '2018-01-15T09:30:00.1234567890Z',
    '2018-01-15T09:30:00+0100',
    '2018-01-15T09:30:00+24:00',
    '2018-01-15T09:30:00z',
    '2018-1-15T09:30:00Z',
    '+02018-01-15T09:30:00Z',
    '2018-01-15T09:30:00Z ',
    'Mon, 15 Jan 2018 09:30:00 GMT',
    '1515999000000',
    '',
  ])('rejects %j', (text) => {
    expect(parseIsoTimestamp(text)).toBeUndefined();
  });

  it('agrees with Date.parse wherever the text is a real date-time with Z', () => {
    fc.assert(fc.property(fc.integer({ min: -62_000_000_000_000, max: 253_402_300_799_999 }), (millis) => {
      const text = new Date(millis).toISOString();
      expect(parseIsoTimestamp(text)).toBe(Date.parse(text));
    }));
  });
});

describe('createIsoFormatter', () => {
  it('prints what toISOString prints, and parses back to the same instant', () => {
    const format = createIsoFormatter();
    fc.assert(fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (millis) => {
      expect(format(millis)).toBe(new Date(millis).toISOString());
      expect(parseIsoTimestamp(format(millis))).toBe(millis);
    }));
  });

  it('stays right across day boundaries while reusing its cached day', () => {
    const format = createIsoFormatter();
    const start = Date.UTC(2018, 1, 28, 23, 59, 59, 998);
    for (let ms = start; ms < start + 5; ms++) expect(format(ms)).toBe(new Date(ms).toISOString());
    expect(format(-1)).toBe('1969-12-31T23:59:59.999Z');
  });
});
