// The declared form of each field (reconciliation-rules.md version 1.1, "Precise points", INVALID_FIELD): a field
// that is present and readable but outside its form is a dead letter, so that one hostile or broken record can
// neither stall a stream (an instant far in the future, an id too long for an index) nor carry an identifier into
// an output where none belongs (an NHS number in practiceOds).

/** 2000-01-01T00:00:00.000Z, the first instant accepted. */
export const EARLIEST_INSTANT_MS = 946_684_800_000;
/** 2100-01-01T00:00:00.000Z, the first instant refused. */
export const INSTANT_LIMIT_MS = 4_102_444_800_000;
/** The longest id, supplier, code or recipient, in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 128;

/** The forms the rules declare; fields without one (nhsNumber, purpose) have checks of their own. */
export type FieldForm = 'instant' | 'text' | 'ods' | 'count';

export const FORM_OF: Readonly<Record<string, FieldForm>> = {
  recordedAt: 'instant', receivedAt: 'instant', coversUpTo: 'instant', sharedAt: 'instant',
  eventId: 'text', receiptId: 'text', extractId: 'text', disseminationId: 'text', sourceEventId: 'text',
  supplier: 'text', code: 'text', recipient: 'text',
  practiceOds: 'ods',
  recordCount: 'count',
};

/** The number of bytes of `text` in UTF-8; a lone surrogate counts as the three bytes of its replacement character. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Whether a text of `bytes` UTF-8 bytes is 1 to 128 bytes long, as a bounded text must be. */
export function isBoundedLength(bytes: number): boolean {
  return bytes >= 1 && bytes <= MAX_TEXT_BYTES;
}

/** Whether `text` is 1 to 128 UTF-8 bytes long. Counted only when the length in UTF-16 units cannot decide it. */
export function isBoundedText(text: string): boolean {
  const units = text.length;
  if (units === 0 || units > MAX_TEXT_BYTES) return false; // every unit is at least one byte
  if (units * 3 <= MAX_TEXT_BYTES) return true; // and at most three
  return isBoundedLength(utf8Length(text));
}

/** Whether `millis` is in [2000-01-01, 2100-01-01). */
export function isInstantInRange(millis: number): boolean {
  return millis >= EARLIEST_INSTANT_MS && millis < INSTANT_LIMIT_MS;
}

/** One ASCII capital letter, then five ASCII digits. */
export function isPracticeOds(text: string): boolean {
  if (text.length !== 6) return false;
  const letter = text.charCodeAt(0);
  if (letter < 0x41 || letter > 0x5a) return false;
  for (let i = 1; i < 6; i++) {
    const digit = text.charCodeAt(i);
    if (digit < 0x30 || digit > 0x39) return false;
  }
  return true;
}

/**
 * Why a present value of the right type is outside its field's form, or null when it is inside. Names the field,
 * never the value: a malformed feed may carry an NHS number in any field.
 */
export function formProblem(name: string, form: FieldForm, value: string | number): string | null {
  switch (form) {
    case 'instant':
      return isInstantInRange(value as number) ? null : `${name} is outside [2000-01-01, 2100-01-01)`;
    case 'text': {
      const text = value as string;
      if (isBoundedText(text)) return null;
      return text.length === 0 ? `${name} is empty` : `${name} is longer than ${MAX_TEXT_BYTES} bytes in UTF-8`;
    }
    case 'ods':
      return isPracticeOds(value as string) ? null : `${name} is not a capital letter followed by five digits`;
    case 'count':
      return (value as number) >= 0 ? null : `${name} is negative`;
  }
}
