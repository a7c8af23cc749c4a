// Reason codes, in the order they are checked (reconciliation-rules.md, "Precise points").
export const DEAD_LETTER_REASONS = [
  'UNDECODABLE',
  'MISSING_FIELD',
  'INVALID_FIELD',
  'INVALID_NHS_NUMBER',
  'UNKNOWN_CODE',
  'INVALID_MANIFEST',
  'CONFLICTING_DUPLICATE',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];
