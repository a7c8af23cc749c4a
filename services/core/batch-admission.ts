import type { DeadLetterReason } from './dead-letter-reason.js';
import type { ReadItem } from './read-item.js';
import type { DecodedFields } from './records.js';

/** A record's judgement: ACCEPTED, DUPLICATE, or why it is a dead letter. */
export type Judgement = typeof ACCEPTED | typeof DUPLICATE | { readonly reason: DeadLetterReason; readonly detail: string };

export const ACCEPTED = 'accepted';
export const DUPLICATE = 'duplicate';

/** What a batch of read items came to, besides what the judgement kept of its accepted records. */
export interface BatchAdmission {
  readonly items: number;
  readonly duplicates: number;
  /** The latest event time among the accepted records; -Infinity if none. */
  readonly latest: number;
  readonly dead: readonly { readonly position: number; readonly reason: DeadLetterReason; readonly detail: string }[];
}

/**
 * A batch of one input's read items in file order: an item that could not be read is a dead letter
 * (UNDECODABLE); every other is given to `judge`, which keeps what it needs of an accepted record. An accepted
 * record's event time is its field `timeField` (read here, so that the judgement returns no number: this runs
 * for every line of the largest input).
 */
export function admitBatch(items: readonly ReadItem[], timeField: string, judge: (fields: DecodedFields) => Judgement): BatchAdmission {
  const dead: { position: number; reason: DeadLetterReason; detail: string }[] = [];
  let duplicates = 0;
  let latest = -Infinity;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if ('error' in item) {
      dead.push({ position: item.position, reason: 'UNDECODABLE', detail: item.error });
      continue;
    }
    const judgement = judge(item.fields);
    if (judgement === ACCEPTED) {
      const time = item.fields[timeField] as number;
      if (time > latest) latest = time;
    } else if (judgement === DUPLICATE) {
      duplicates++;
    } else {
      dead.push({ position: item.position, reason: judgement.reason, detail: judgement.detail });
    }
  }
  return { items: items.length, duplicates, latest, dead };
}
