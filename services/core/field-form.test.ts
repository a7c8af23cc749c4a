import { describe, expect, it } from 'vitest';
import { utf8Length } from './field-form.js';
import { validateFields } from './record-validation.js';
import type { StreamName } from './records.js';
import { catalogue } from './testing/builders.js';

const T = Date.UTC(2016, 0, 4);
const BASE: { readonly [S in StreamName]: Record<string, unknown> } = {
  gpEvents: { eventId: 'e1', nhsNumber: '9990000018', practiceOds: 'A81001', supplier: 'TPP', code: '9Nu0', recordedAt: T },
  ndsReceived: { receiptId: 'r1', nhsNumber: '9990000018', practiceOds: 'A81001', supplier: 'TPP', code: '9Nu0', sourceEventId: 'e1', extractId: 'x1', receivedAt: T },
  ndsManifests: { extractId: 'x1', supplier: 'TPP', practiceOds: 'A81001', coversUpTo: T, receivedAt: T, recordCount: 3 },
  ndsDisseminations: { disseminationId: 'd1', nhsNumber: '9990000018', recipient: 'Example Research Unit', purpose: 'RESEARCH', sharedAt: T },
};

function verdict(stream: StreamName, field: string, value: unknown): string {
  const result = validateFields(stream, { ...BASE[stream], [field]: value }, catalogue);
  return result.ok ? 'accepted' : result.reason;
}

function detailOf(stream: StreamName, field: string, value: unknown): string {
  const result = validateFields(stream, { ...BASE[stream], [field]: value }, catalogue);
  return result.ok ? '' : result.detail;
}

const EMOJI = '\u{1F600}'; // four bytes, two UTF-16 units

// Text at exactly 128 bytes and at 129, built from characters of each UTF-8 width.
const TEXT_AT_EDGE = ['a'.repeat(128), 'é'.repeat(64), '€'.repeat(42) + 'ab', EMOJI.repeat(32)];
const TEXT_BEYOND = ['a'.repeat(129), 'é'.repeat(64) + 'a', '€'.repeat(43), EMOJI.repeat(32) + 'a', 'é'.repeat(128), 'x'.repeat(8192)];

const TEXT_FIELDS: readonly [StreamName, string][] = [
  ['gpEvents', 'eventId'], ['gpEvents', 'supplier'],
  ['ndsReceived', 'receiptId'], ['ndsReceived', 'supplier'], ['ndsReceived', 'sourceEventId'], ['ndsReceived', 'extractId'],
  ['ndsManifests', 'extractId'], ['ndsManifests', 'supplier'],
  ['ndsDisseminations', 'disseminationId'], ['ndsDisseminations', 'recipient'],
];
const INSTANT_FIELDS: readonly [StreamName, string][] = [
  ['gpEvents', 'recordedAt'], ['ndsReceived', 'receivedAt'], ['ndsManifests', 'coversUpTo'], ['ndsManifests', 'receivedAt'], ['ndsDisseminations', 'sharedAt'],
];
const ODS_FIELDS: readonly [StreamName, string][] = [['gpEvents', 'practiceOds'], ['ndsReceived', 'practiceOds'], ['ndsManifests', 'practiceOds']];

describe('INVALID_FIELD: ids, supplier and recipient', () => {
  it.each(TEXT_FIELDS)('accepts %s.%s of 1 byte and of exactly 128 UTF-8 bytes, whatever the character widths', (stream, field) => {
    expect(verdict(stream, field, 'z')).toBe('accepted');
    for (const text of TEXT_AT_EDGE) {
      expect(utf8Length(text)).toBe(128);
      expect(verdict(stream, field, text)).toBe('accepted');
    }
  });

  it.each(TEXT_FIELDS)('refuses %s.%s when empty or 129 UTF-8 bytes and more, counting bytes, not characters', (stream, field) => {
    expect(verdict(stream, field, '')).toBe('INVALID_FIELD');
    expect(detailOf(stream, field, '')).toBe(`${field} is empty`);
    for (const text of TEXT_BEYOND) {
      expect(utf8Length(text)).toBeGreaterThan(128);
      expect(verdict(stream, field, text)).toBe('INVALID_FIELD');
      expect(detailOf(stream, field, text)).toBe(`${field} is longer than 128 bytes in UTF-8`);
    }
  });

  it('takes a null sourceEventId as absent, not as empty', () => {
    expect(verdict('ndsReceived', 'sourceEventId', null)).toBe('accepted');
    expect(verdict('ndsReceived', 'sourceEventId', undefined)).toBe('accepted');
  });
});

describe('INVALID_FIELD: codes', () => {
  it.each([['gpEvents'], ['ndsReceived']] as const)('passes a %s code of 128 bytes on to the catalogue, and refuses an empty or 129-byte one', (stream) => {
    for (const text of TEXT_AT_EDGE) expect(verdict(stream, 'code', text)).toBe('UNKNOWN_CODE');
    expect(verdict(stream, 'code', '')).toBe('INVALID_FIELD');
    for (const text of TEXT_BEYOND) expect(verdict(stream, 'code', text)).toBe('INVALID_FIELD');
  });
});

describe('INVALID_FIELD: timestamps', () => {
  it.each(INSTANT_FIELDS)('accepts %s.%s from 2000-01-01T00:00:00.000Z to the last millisecond of 2099', (stream, field) => {
    const base = BASE[stream];
    // A manifest's coversUpTo may not pass its receivedAt: move both together.
    const other = stream === 'ndsManifests' ? (field === 'coversUpTo' ? { receivedAt: 4_102_444_799_999 } : { coversUpTo: 946_684_800_000 }) : {};
    for (const at of [946_684_800_000, 4_102_444_799_999]) {
      expect(validateFields(stream, { ...base, ...other, [field]: at }, catalogue)).toMatchObject({ ok: true });
    }
  });

  it.each(INSTANT_FIELDS)('refuses %s.%s a millisecond before 2000 and from 2100-01-01T00:00:00.000Z on', (stream, field) => {
    for (const at of [946_684_799_999, 4_102_444_800_000, 0, -1, Date.UTC(9999, 11, 31), 8.64e15 + 1]) {
      expect(verdict(stream, field, at)).toBe('INVALID_FIELD');
      expect(detailOf(stream, field, at)).toBe(`${field} is outside [2000-01-01, 2100-01-01)`);
    }
  });

  it('checks the range before the manifest check: a manifest covering beyond 2100 is INVALID_FIELD', () => {
    expect(verdict('ndsManifests', 'coversUpTo', 4_102_444_800_000)).toBe('INVALID_FIELD');
  });
});

describe('INVALID_FIELD: practiceOds', () => {
  it.each(ODS_FIELDS)('accepts %s.%s of one ASCII capital letter and five ASCII digits', (stream, field) => {
    for (const ods of ['A81001', 'Z99999', 'A00000']) expect(verdict(stream, field, ods)).toBe('accepted');
  });

  it.each(ODS_FIELDS)('refuses %s.%s of any other form, an NHS number among them', (stream, field) => {
    const refused = ['', 'A', 'A8100', 'A810011', 'a81001', '@81001', '[81001', 'É81001', 'AA1001', 'A8100/', 'A8100:', 'A8100\u0661', 'A8100\uFF11',
      ' A81001', 'A81001 ', 'A81001\u0000', '9990000018', 'A'.repeat(900_000)];
    for (const ods of refused) {
      expect(verdict(stream, field, ods)).toBe('INVALID_FIELD');
      expect(detailOf(stream, field, ods)).toBe(`${field} is not a capital letter followed by five digits`);
    }
  });
});

describe('INVALID_FIELD: recordCount', () => {
  it('accepts zero and refuses -1', () => {
    expect(verdict('ndsManifests', 'recordCount', 0)).toBe('accepted');
    expect(verdict('ndsManifests', 'recordCount', -1)).toBe('INVALID_FIELD');
    expect(detailOf('ndsManifests', 'recordCount', -1)).toBe('recordCount is negative');
  });
});

describe('INVALID_FIELD in the order of reasons', () => {
  it('comes after UNDECODABLE and MISSING_FIELD, and before INVALID_NHS_NUMBER, UNKNOWN_CODE and INVALID_MANIFEST', () => {
    const check = (stream: StreamName, fields: Record<string, unknown>) => {
      const result = validateFields(stream, { ...BASE[stream], ...fields }, catalogue);
      return result.ok ? 'accepted' : result.reason;
    };
    expect(check('gpEvents', { eventId: '', recordedAt: 'soon' })).toBe('UNDECODABLE');
    expect(check('gpEvents', { eventId: '', supplier: null })).toBe('MISSING_FIELD');
    expect(check('gpEvents', { practiceOds: 'x', nhsNumber: '1', code: 'nope' })).toBe('INVALID_FIELD');
    expect(check('ndsDisseminations', { sharedAt: 0, nhsNumber: '1' })).toBe('INVALID_FIELD');
    expect(check('ndsManifests', { recordCount: -1, coversUpTo: T + 1 })).toBe('INVALID_FIELD');
  });

  it('names the first field outside its form and never its value', () => {
    const result = validateFields('gpEvents', { ...BASE.gpEvents, practiceOds: '9990000026', supplier: '' }, catalogue);
    expect(result).toEqual({ ok: false, reason: 'INVALID_FIELD', detail: 'practiceOds is not a capital letter followed by five digits' });
  });
});

describe('utf8Length', () => {
  it('agrees with TextEncoder, lone surrogates included', () => {
    for (const text of ['', 'a', 'é', '€', EMOJI, 'a\uD800b', '\uDC00', `${EMOJI}\uD83D`, '\u07FF\u0800\uFFFF']) {
      expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
    }
  });
});
