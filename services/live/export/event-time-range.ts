// The event-time range of an export: from (inclusive) to (exclusive), either end open. An instant is an ISO-8601
// date (midnight UTC), an ISO-8601 date-time with an offset, or epoch milliseconds. Half-open, so that the
// exports of adjacent ranges (--from A --to B, then --from B --to C) hold every record once.
import { parseIsoTimestamp } from '../../codec/iso-timestamp.js';

export interface EventTimeRange {
  /** Epoch ms, inclusive; null: from the first record. */
  readonly fromMs: number | null;
  /** Epoch ms, exclusive; null: up to the last record. */
  readonly toMs: number | null;
}

export const WHOLE_RANGE: EventTimeRange = { fromMs: null, toMs: null };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const EPOCH_MS = /^-?\d{1,16}$/;

/** Epoch ms of an instant as the flags take it, or undefined when it is not one. */
export function parseInstant(text: string): number | undefined {
  const trimmed = text.trim();
  if (EPOCH_MS.test(trimmed)) {
    const value = Number(trimmed);
    return Number.isSafeInteger(value) ? value : undefined;
  }
  if (DATE.test(trimmed)) return parseIsoTimestamp(`${trimmed}T00:00:00Z`);
  return parseIsoTimestamp(trimmed);
}

export function inRange(range: EventTimeRange, eventTimeMs: number): boolean {
  return (range.fromMs === null || eventTimeMs >= range.fromMs) && (range.toMs === null || eventTimeMs < range.toMs);
}

/** The range as the summary and the manifest say it. */
export function describeRange(range: EventTimeRange): { readonly from: string | null; readonly to: string | null } {
  return {
    from: range.fromMs === null ? null : new Date(range.fromMs).toISOString(),
    to: range.toMs === null ? null : new Date(range.toMs).toISOString(),
  };
}
