// The duplicate rule, one for every feed (reconciliation-rules.md): among valid records of one stream, a record whose
// id was seen before with the same content is a duplicate (counted, otherwise ignored); with other content, a dead
// letter CONFLICTING_DUPLICATE, and the first one seen stays. The replay judges ids in memory (seen-ids.ts), the live
// service in its database (a unique index, the first content's hash beside the id); both ask here what a sighting
// is and what its dead letter says. The live state remembers an id for DEDUP_HORIZON (idsForgottenBefore), a replay
// for the whole of its files.
import type { DeadLetterReason } from './dead-letter-reason.js';
import { STREAM_FIELDS, type DecodedFields, type Millis, type StreamName } from './records.js';

export type Sighting = 'new' | 'duplicate' | 'conflict';

/** What the same id must repeat to be a duplicate rather than a conflict: every field of the record, as text. */
export function contentKey(stream: StreamName, record: DecodedFields): string {
  const names = STREAM_FIELDS[stream].fields;
  let key = '';
  for (const name of names) key += `${String(record[name] ?? '\u0001')}\u0000`;
  return key;
}

/**
 * A sighting of an id against the content (or its fingerprint) of the first valid record seen with it, if any: for
 * a store that keeps that content by id.
 */
export function sightingAgainst<C>(first: C | undefined, content: C): Sighting {
  if (first === undefined) return 'new';
  return first === content ? 'duplicate' : 'conflict';
}

export interface DuplicateDeadLetter {
  readonly reason: Extract<DeadLetterReason, 'CONFLICTING_DUPLICATE'>;
  readonly detail: string;
}

const CONFLICTS: { readonly [S in StreamName]: DuplicateDeadLetter } = {
  gpEvents: { reason: 'CONFLICTING_DUPLICATE', detail: 'eventId seen before with different content' },
  ndsReceived: { reason: 'CONFLICTING_DUPLICATE', detail: 'receiptId seen before with different content' },
  ndsManifests: { reason: 'CONFLICTING_DUPLICATE', detail: 'extractId seen before with different content' },
  ndsDisseminations: { reason: 'CONFLICTING_DUPLICATE', detail: 'disseminationId seen before with different content' },
};

/** The dead letter of a record whose id was seen before in its stream with other content. */
export function conflictingDuplicate(stream: StreamName): DuplicateDeadLetter {
  return CONFLICTS[stream];
}

/**
 * Ids of a stream's records dated before this are no longer remembered: a record that old arriving again is judged
 * as new. The horizon is DEDUP_HORIZON, counted back from the newest event time among the records of the same stream
 * decided so far (those dated beyond the wall clock plus MAX_FUTURE not counted until it passes them), not from
 * stream time, which lags far behind it while a backlog is read.
 */
export function idsForgottenBefore(newestDecided: Millis, horizonMs: Millis): Millis {
  return newestDecided - horizonMs;
}
