// Stored records for unit tests of the decider's parts: manifests, whose content does not matter there.
import { recordLine, storedLines } from '../record-lines.js';
import type { StoredBatch } from '../state-store.js';

/** A batch of a partition's offsets [from, to), with a stored record at each offset but those left out (a duplicate or a dead letter there). */
export function storedBatch(topic: string, partition: number, from: number, to: number, leftOut: readonly number[] = []): StoredBatch {
  const records: { offset: number; line: string }[] = [];
  for (let offset = from; offset < to; offset++) {
    if (leftOut.includes(offset)) continue;
    const record = { extractId: `${topic}-${partition}-${offset}`, supplier: 'TPP', practiceOds: 'A81001', coversUpTo: 0, receivedAt: 0, recordCount: 0 };
    records.push({ offset, line: recordLine('ndsManifests', offset, record, null) });
  }
  return { topic, partition, from, to, records: storedLines('ndsManifests', records) };
}
