// Where each partition of the input topics begins and ends when an export starts, from the admin client: the
// export reads from each log's start (the earliest offset retention kept) up to these ends and no further, so
// it never waits for new records and two exports of unchanged topics read the same messages.
import type { Admin } from 'kafkajs';
import { STREAM_NAMES, type StreamName } from '../../core/records.js';
import { brokerFailure, VerifierError } from '../errors.js';
import { missingTopics } from '../kafka/missing-topics.js';

export interface PartitionExtent {
  readonly partition: number;
  /** The log's start: the first offset still held. */
  readonly startOffset: number;
  /** The log's end when the export started: the offset the next record would get. */
  readonly endOffset: number;
}

export type InputExtent = { readonly [S in StreamName]: readonly PartitionExtent[] };

export async function inputExtent(admin: Admin, topics: { readonly [S in StreamName]: string }): Promise<InputExtent> {
  const missing = await missingTopics(admin, STREAM_NAMES.map((s) => topics[s]));
  if (missing.length > 0) throw new VerifierError('CONFIGURATION', `topics missing: ${missing.join(', ')}`, { retriable: false });
  const extent = {} as Record<StreamName, PartitionExtent[]>;
  for (const stream of STREAM_NAMES) {
    try {
      const offsets = await admin.fetchTopicOffsets(topics[stream]);
      extent[stream] = offsets
        .map((p) => ({ partition: p.partition, startOffset: Number(p.low), endOffset: Number(p.high) }))
        .sort((a, b) => a.partition - b.partition);
    } catch (error) {
      throw brokerFailure(error, `reading the offsets of ${topics[stream]}`);
    }
  }
  return extent;
}
