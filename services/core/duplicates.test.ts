import { describe, expect, it } from 'vitest';
import { conflictingDuplicate, contentKey, idsForgottenBefore, sightingAgainst } from './duplicates.js';
import { DEAD_LETTER_REASONS } from './dead-letter-reason.js';
import { STREAM_FIELDS, STREAM_NAMES } from './records.js';

describe('the duplicate rule', () => {
  it.each([
    ['an id never seen', undefined, 'h1', 'new'],
    ['an identical redelivery', 'h1', 'h1', 'duplicate'],
    ['the same id with other content', 'h1', 'h2', 'conflict'],
  ] as const)('calls %s %s', (_, first, content, expected) => {
    expect(sightingAgainst(first, content)).toBe(expected);
  });

  it('names the id field of the stream in the dead letter of a conflict, with the reason the spec gives', () => {
    for (const stream of STREAM_NAMES) {
      const letter = conflictingDuplicate(stream);
      expect(letter.reason).toBe('CONFLICTING_DUPLICATE');
      expect(DEAD_LETTER_REASONS).toContain(letter.reason);
      expect(letter.detail).toBe(`${STREAM_FIELDS[stream].id} seen before with different content`);
    }
  });

  it('tells content apart by every field, a null apart from an absent one apart from the text "null"', () => {
    const base = { eventId: 'e1', nhsNumber: 'p', practiceOds: 'A81001', supplier: 'TPP', code: '9Nu0', recordedAt: 1 };
    const key = contentKey('gpEvents', base);
    expect(contentKey('gpEvents', { ...base })).toBe(key);
    for (const field of STREAM_FIELDS.gpEvents.fields) expect(contentKey('gpEvents', { ...base, [field]: 'other' }), field).not.toBe(key);
    const receipt = { receiptId: 'r', nhsNumber: 'p', practiceOds: 'A', supplier: 'S', code: 'c', extractId: 'x', receivedAt: 1 };
    expect(contentKey('ndsReceived', { ...receipt, sourceEventId: null })).not.toBe(contentKey('ndsReceived', { ...receipt, sourceEventId: 'null' }));
  });

  it('forgets ids dated more than the horizon behind the newest record of their stream decided', () => {
    expect(idsForgottenBefore(100_000, 30_000)).toBe(70_000);
  });
});
