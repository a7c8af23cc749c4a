// The shapes the codec hands to the core: decoded fields, or a structural reason the bytes could not be read.
// A detail never carries a field value (any field of a malformed record may hold an NHS number).
import type { DecodedFields } from '../core/records.js';

export type DecodeResult =
  | { readonly ok: true; readonly fields: DecodedFields }
  | { readonly ok: false; readonly reason: 'UNDECODABLE'; readonly detail: string };

export function undecodable(detail: string): DecodeResult {
  return { ok: false, reason: 'UNDECODABLE', detail };
}

/**
 * A structural description of an avsc read error. avsc's read errors name types and indices, not values, but the
 * text is not a contract, so it is translated here rather than passed on.
 */
export function describeReadError(err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  if (/union index/.test(message)) return 'invalid union branch index';
  if (/enum index/.test(message)) return 'enum index outside the writer schema';
  if (/precision loss/.test(message)) return 'long value outside the safe integer range';
  if (/truncated/.test(message)) return 'truncated body';
  return 'malformed body';
}
