import type { CodeCatalogue, CodeMeaning } from './code-catalogue.js';
import type { DeadLetterReason } from './dead-letter-reason.js';
import { RecordScreen } from './record-screen.js';
import { buildRecord } from './record-validation.js';
import { conflictingDuplicate, type Sighting } from './duplicates.js';
import type { DecodedFields, RecordOf, StreamName } from './records.js';
import { SeenIds } from './seen-ids.js';

export type FieldAdmission =
  | { readonly kind: 'accepted'; readonly fields: DecodedFields; readonly meaning: CodeMeaning | null }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'dead'; readonly reason: DeadLetterReason; readonly detail: string };

export type Admission<S extends StreamName> =
  | { readonly kind: 'accepted'; readonly record: RecordOf[S]; readonly meaning: CodeMeaning | null }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'dead'; readonly reason: DeadLetterReason; readonly detail: string };

const DUPLICATE = { kind: 'duplicate' } as const;

/**
 * Validation, then duplicates among valid records only (a record that fails validation never claims its id),
 * judged against the first valid record with that id in the order records arrive (duplicates.ts).
 */
export class Intake {
  private readonly seen: { readonly [S in StreamName]: SeenIds } = {
    gpEvents: new SeenIds(),
    ndsReceived: new SeenIds(),
    ndsManifests: new SeenIds(),
    ndsDisseminations: new SeenIds(),
  };
  private readonly screen: RecordScreen;

  constructor(catalogue: CodeCatalogue) {
    this.screen = new RecordScreen(catalogue);
  }

  admit<S extends StreamName>(stream: S, fields: DecodedFields): Admission<S> {
    const admission = this.admitFields(stream, fields);
    return admission.kind === 'accepted' ? { kind: 'accepted', record: buildRecord(stream, fields), meaning: admission.meaning } : admission;
  }

  /** admit without building the record (see buildRecord): for callers that keep few of the records they see. */
  admitFields(stream: StreamName, fields: DecodedFields): FieldAdmission {
    const screen = this.screen;
    const validation = screen.screen(stream, fields);
    if (!validation.ok) return { kind: 'dead', reason: validation.reason, detail: validation.detail };
    const sighting = this.sight(stream, screen.idHi, screen.idLo, screen.contentHi, screen.contentLo);
    if (sighting === 'duplicate') return DUPLICATE;
    if (sighting === 'conflict') return { kind: 'dead', ...conflictingDuplicate(stream) };
    return { kind: 'accepted', fields, meaning: validation.meaning };
  }

  /** A hint: about this many records of the stream are coming (sizes the id table once). */
  expect(stream: StreamName, records: number): void {
    this.seen[stream].reserve(records);
  }

  private sight(stream: StreamName, idHi: number, idLo: number, contentHi: number, contentLo: number): Sighting {
    return this.seen[stream].sight(idHi, idLo, contentHi, contentLo);
  }
}
