// The rules that screen a dissemination line from its bytes are twins of the rules over strings: on ASCII text
// (a byte is then its UTF-16 unit) each must give exactly what its twin gives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asciiString } from './ascii-text.js';
import { Fingerprinter } from './fingerprint.js';
import { isValidNhsNumber, isValidNhsNumberAscii } from './nhs-number.js';
import { ObjectorFilter } from './objector-filter.js';

const ascii = fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const bytesOf = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** `text`'s bytes at an offset inside a larger buffer, as a block holds a record's texts. */
function embedded(text: string, before: number): { bytes: Uint8Array; start: number; end: number } {
  const bytes = new Uint8Array(before + text.length + 3).fill(0x39);
  bytes.set(bytesOf(text), before);
  return { bytes, start: before, end: before + text.length };
}

/** Ten-character texts near NHS numbers: valid and invalid check digits, letters, short and long ones. */
const nhsLike = fc.oneof(
  fc.integer({ min: 999_000_000, max: 999_999_999 }).chain((prefix) => fc.integer({ min: 0, max: 9 }).map((d) => `${prefix}${d}`)),
  fc.stringMatching(/^[0-9A/:]{8,11}$/),
  ascii,
);

describe('the ASCII byte twins of the string rules', () => {
  it('make the string of the bytes', () => {
    fc.assert(fc.property(ascii, fc.nat(5), (text, before) => {
      const { bytes, start, end } = embedded(text, before);
      expect(asciiString(bytes, start, end)).toBe(text);
    }));
  });

  it('fingerprint ASCII bytes bit for bit as the string, part after part, and tell non-ASCII bytes', () => {
    fc.assert(fc.property(fc.array(fc.tuple(ascii, fc.nat(5)), { minLength: 1, maxLength: 4 }), fc.integer({ min: 946_684_800_000, max: 4_102_444_799_999 }), (parts, at) => {
      const byString = new Fingerprinter().begin();
      const byBytes = new Fingerprinter().begin();
      for (const [text, before] of parts) {
        const { bytes, start, end } = embedded(text, before);
        byString.text(text);
        byBytes.asciiText(bytes, start, end);
      }
      byString.text('RESEARCH').integer(at).end();
      byBytes.text('RESEARCH').integer(at).end();
      expect([byBytes.hi, byBytes.lo]).toEqual([byString.hi, byString.lo]);
      expect(byBytes.byteBits & 0x80).toBe(0);
    }), { numRuns: 2000 });
    const accented = Buffer.from('café', 'utf8');
    expect(new Fingerprinter().begin().asciiText(accented, 0, accented.length).byteBits & 0x80).not.toBe(0);
    // begin() forgets the bytes of the fingerprint before.
    expect(new Fingerprinter().begin().asciiText(accented, 0, accented.length).begin().asciiText(accented, 0, 3).byteBits & 0x80).toBe(0);
  });

  it('check NHS numbers as the string rule does', () => {
    fc.assert(fc.property(nhsLike, fc.nat(5), (text, before) => {
      const { bytes, start, end } = embedded(text, before);
      expect(isValidNhsNumberAscii(bytes, start, end)).toBe(isValidNhsNumber(text));
    }), { numRuns: 5000 });
    expect(isValidNhsNumberAscii(bytesOf('9990000018'), 0, 10)).toBe(true);
    expect(isValidNhsNumberAscii(bytesOf('9990000017'), 0, 10)).toBe(false);
  });

  it('ask the objector filter\'s map as the string does, and never miss an objector', () => {
    const objectors = Array.from({ length: 3000 }, (_, i) => String(9990000000 + i * 97));
    const filter = new ObjectorFilter(objectors);
    fc.assert(fc.property(fc.oneof(fc.constantFrom(...objectors), nhsLike), fc.nat(5), (text, before) => {
      const { bytes, start, end } = embedded(text, before);
      const slot = filter.slotOfAscii(bytes, start, end);
      expect(filter.mightHoldSlot(slot)).toBe(filter.mightHold(text));
      if (filter.has(text)) expect(filter.mightHoldSlot(slot)).toBe(true);
    }), { numRuns: 5000 });
    let maybes = 0;
    for (let i = 0; i < 50_000; i++) {
      const probe = String(9990000000 + i * 13);
      expect(filter.mightHoldSlot(filter.slotOfAscii(bytesOf(probe), 0, 10))).toBe(filter.mightHold(probe));
      if (filter.mightHold(probe)) maybes++;
    }
    // The map says maybe of the objectors among the probes and of a few others, not of everyone.
    expect(maybes).toBeLessThan(1000);
  });
});
