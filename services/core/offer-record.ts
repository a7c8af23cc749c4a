// One way to offer a valid record of any stream to the engine, for every feed (the auditor's replay, the live
// decider): which of the engine's inputs takes it, and which of its fields is its event time. The record's
// `nhsNumber` holds what the feed's identity gives the rules (the clear number in a replay, the keyed pseudonym
// live). Stream, record and meaning are separate arguments so that a replay offering millions of records
// allocates nothing for each.
import type { CodeMeaning } from './code-catalogue.js';
import type { Reconciler } from './reconciler.js';
import type { GpOptOutEvent, Millis, NdsDissemination, NdsExtractManifest, NdsReceivedObjection, RecordOf, StreamName } from './records.js';

/** GP events and receipts carry their code's meaning; manifests and disseminations none. */
export type MeaningOf<S extends StreamName> = S extends 'gpEvents' | 'ndsReceived' ? CodeMeaning : null;

/** 'late' when older than the engine's stream time (applied all the same); 'irrelevant' for a release for direct care. */
export type OfferResult = 'on-time' | 'late' | 'irrelevant';

export function offerRecord<S extends StreamName>(engine: Reconciler, stream: S, record: RecordOf[S], meaning: MeaningOf<S>): OfferResult {
  switch (stream) {
    case 'gpEvents': return engine.offerGpEvent(record as GpOptOutEvent, meaningFor(stream, meaning));
    case 'ndsReceived': return engine.offerReceipt(record as NdsReceivedObjection, meaningFor(stream, meaning));
    case 'ndsManifests': return engine.offerManifest(record as NdsExtractManifest);
    // A release for direct care takes no part ('irrelevant'), but its time still shows how far its input has got.
    default: return engine.offerDissemination(record as NdsDissemination);
  }
}

/** The record's event time: recordedAt, receivedAt or sharedAt (never a manifest's coversUpTo). */
export function eventTimeOf<S extends StreamName>(stream: S, record: RecordOf[S]): Millis {
  switch (stream) {
    case 'gpEvents': return (record as GpOptOutEvent).recordedAt;
    case 'ndsReceived': return (record as NdsReceivedObjection).receivedAt;
    case 'ndsManifests': return (record as NdsExtractManifest).receivedAt;
    default: return (record as NdsDissemination).sharedAt;
  }
}

function meaningFor(stream: StreamName, meaning: CodeMeaning | null): CodeMeaning {
  if (meaning === null) throw new Error(`a record of ${stream} is offered with its code's meaning`);
  return meaning;
}
