import { isValidNhsNumber } from '../core/nhs-number.js';

// One line of a key holder's list: an NHS number as people write it ("999 000 0018", "999-000-0018" or
// "9990000018", with or without a CR before the newline), or a blank line, or something else.

export type ListLine =
  | { readonly kind: 'number'; readonly nhsNumber: string }
  | { readonly kind: 'blank' }
  | { readonly kind: 'invalid' };

export function readListLine(line: string): ListLine {
  const text = line.trim();
  if (text === '') return { kind: 'blank' };
  const compact = /^\d{3}[ -]?\d{3}[ -]?\d{4}$/.test(text) ? text.replace(/[ -]/g, '') : text;
  return isValidNhsNumber(compact) ? { kind: 'number', nhsNumber: compact } : { kind: 'invalid' };
}
