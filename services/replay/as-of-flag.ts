// `--as-of`: the instant a replay report describes, as a person or a pipeline would write it.
import { parseIsoTimestamp } from '../codec/iso-timestamp.js';

export const AS_OF_FORMS = 'a date (2024-01-05, meaning 2024-01-05T00:00:00Z), an ISO-8601 timestamp with an offset (2024-01-05T12:00:00Z, 2024-01-05T13:00:00+01:00) or epoch milliseconds (1704412800000)';

/**
 * Epoch milliseconds of `text`, or undefined when it is none of the three forms. A date alone is midnight UTC
 * at its start, never local time (a report must not depend on the machine's zone); a timestamp must carry its
 * offset for the same reason; digits alone are epoch milliseconds. A date that does not exist (2018-02-30) is
 * refused, as the strict timestamp reader refuses it.
 */
export function parseAsOf(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) return parseIsoTimestamp(`${trimmed}T00:00:00Z`);
  if (/^\d+$/.test(trimmed)) {
    const ms = Number(trimmed);
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  return parseIsoTimestamp(trimmed);
}
