import type { CodeMeaning } from './code-catalogue.js';
import type { DeadLetterReason } from './dead-letter-reason.js';
import type { Intake } from './intake.js';
import type { ReadItem } from './read-item.js';
import { buildRecord } from './record-validation.js';
import { STREAM_FIELDS, type RecordOf, type StreamName } from './records.js';

/** The inputs every record of which the engine holds: the GP events, the receipts and the manifests. */
export type ObjectionStream = Exclude<StreamName, 'ndsDisseminations'>;

/**
 * A batch of one objection-side input after intake (validation, then duplicates in file order): the accepted
 * records whole, with each one's code meaning as a small number, and for the rest only counts and dead letters.
 * Plain data and typed arrays, so that an input can be read on another thread and handed over cheaply.
 */
export interface AdmittedRecords<S extends ObjectionStream = ObjectionStream> {
  readonly stream: S;
  readonly items: number;
  readonly duplicates: number;
  /** The latest event time among the accepted records; -Infinity if none. */
  readonly latest: number;
  readonly records: readonly RecordOf[S][];
  /** Per accepted record: its code's meaning (see meaningOf), or NO_MEANING for a manifest. */
  readonly meanings: Uint8Array;
  readonly dead: readonly { readonly position: number; readonly reason: DeadLetterReason; readonly detail: string }[];
}

export const NO_MEANING = 255;
const MEANINGS: readonly CodeMeaning[] = [
  { type: 'TYPE_1', action: 'DISSENT' }, { type: 'TYPE_1', action: 'WITHDRAWN' },
  { type: 'TYPE_2', action: 'DISSENT' }, { type: 'TYPE_2', action: 'WITHDRAWN' },
].map((m) => Object.freeze(m as CodeMeaning));

const meaningCode = (m: CodeMeaning | null): number => (m === null ? NO_MEANING : (m.type === 'TYPE_1' ? 0 : 2) + (m.action === 'DISSENT' ? 0 : 1));

/** The meaning a code number stands for; null for NO_MEANING. */
export function meaningOf(code: number): CodeMeaning | null {
  return code === NO_MEANING ? null : MEANINGS[code]!;
}

/** Admits a batch of an objection-side input through the intake, in file order. */
export function admitRecords<S extends ObjectionStream>(intake: Intake, stream: S, items: readonly ReadItem[]): AdmittedRecords<S> {
  const timeField = STREAM_FIELDS[stream].time;
  const records: RecordOf[S][] = [];
  const meanings = new Uint8Array(items.length);
  const dead: { position: number; reason: DeadLetterReason; detail: string }[] = [];
  let duplicates = 0;
  let latest = -Infinity;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if ('error' in item) {
      dead.push({ position: item.position, reason: 'UNDECODABLE', detail: item.error });
      continue;
    }
    const admission = intake.admitFields(stream, item.fields);
    if (admission.kind === 'dead') {
      dead.push({ position: item.position, reason: admission.reason, detail: admission.detail });
      continue;
    }
    if (admission.kind === 'duplicate') {
      duplicates++;
      continue;
    }
    const time = admission.fields[timeField] as number;
    if (time > latest) latest = time;
    meanings[records.length] = meaningCode(admission.meaning);
    records.push(buildRecord(stream, admission.fields));
  }
  return { stream, items: items.length, duplicates, latest, records, meanings: meanings.slice(0, records.length), dead };
}
