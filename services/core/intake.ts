import type { CodeCatalogue, CodeMeaning } from './code-catalogue.js';
import type { DeadLetterReason } from './dead-letter-reason.js';
import { fingerprintOf } from './fingerprint.js';
import { validateRecord } from './record-validation.js';
import { STREAM_FIELDS, type DecodedFields, type RecordOf, type StreamName } from './records.js';
import { SeenIds } from './seen-ids.js';

export type Admission<S extends StreamName> =
  | { readonly kind: 'accepted'; readonly record: RecordOf[S]; readonly meaning: CodeMeaning | null }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'dead'; readonly reason: DeadLetterReason; readonly detail: string };

/** What the same id must repeat to be a duplicate rather than a conflict: every field of the record. */
export function contentKey(stream: StreamName, record: DecodedFields): string {
  const names = STREAM_FIELDS[stream].fields;
  let key = '';
  for (const name of names) key += `${String(record[name] ?? '\u0001')}\u0000`;
  return key;
}

/**
 * Validation, then duplicates among valid records only (a record that fails validation never claims its id),
 * judged against the first valid record with that id in the order records arrive.
 */
export class Intake {
  private readonly seen: { readonly [S in StreamName]: SeenIds } = {
    gpEvents: new SeenIds(),
    ndsReceived: new SeenIds(),
    ndsManifests: new SeenIds(),
    ndsDisseminations: new SeenIds(),
  };

  constructor(private readonly catalogue: CodeCatalogue) {}

  admit<S extends StreamName>(stream: S, fields: DecodedFields): Admission<S> {
    const validation = validateRecord(stream, fields, this.catalogue);
    if (!validation.ok) return { kind: 'dead', reason: validation.reason, detail: validation.detail };
    const record = validation.record;
    const id = (record as unknown as Record<string, string>)[STREAM_FIELDS[stream].id]!;
    const sighting = this.seen[stream].sight(fingerprintOf(id), fingerprintOf(contentKey(stream, record as unknown as DecodedFields)));
    if (sighting === 'duplicate') return { kind: 'duplicate' };
    if (sighting === 'conflict') return { kind: 'dead', reason: 'CONFLICTING_DUPLICATE', detail: `${STREAM_FIELDS[stream].id} seen before with different content` };
    return { kind: 'accepted', record, meaning: validation.meaning };
  }
}
