// Stored records for unit tests of the decider's parts: manifests, whose content does not matter there.
import type { StoredBatch, StoredRecord } from '../state-store.js';

/**
 * A batch of a partition's offsets [from, to), with a stored record at each offset but those left out (a duplicate or
 * a dead letter there), each received (its event time) at `receivedAt(offset)`.
 */
export function storedBatch(topic: string, partition: number, from: number, to: number, leftOut: readonly number[] = [], receivedAt: (offset: number) => number = () => 0): StoredBatch {
  const records: StoredRecord[] = [];
  for (let offset = from; offset < to; offset++) {
    if (leftOut.includes(offset)) continue;
    records.push({
      stream: 'ndsManifests', topic, partition, offset, meaning: null,
      record: { extractId: `${topic}-${partition}-${offset}`, supplier: 'TPP', practiceOds: 'A81001', coversUpTo: 0, receivedAt: receivedAt(offset), recordCount: 0 },
    });
  }
  return { topic, partition, from, to, records };
}
