import type { DecodedFields } from './records.js';

/** One item read from an input: its 1-based position (record ordinal, or NDJSON line), and its fields or what made it unreadable. */
export type ReadItem =
  | { readonly position: number; readonly fields: DecodedFields }
  | { readonly position: number; readonly error: string };
