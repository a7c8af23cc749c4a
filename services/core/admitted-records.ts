import type { CodeMeaning } from './code-catalogue.js';
import type { DeadLetterReason } from './dead-letter-reason.js';
import type { Intake } from './intake.js';
import type { ReadItem } from './read-item.js';
import { ACCEPTED, admitBatch, DUPLICATE } from './batch-admission.js';
import { codeStrings, packStrings, valueAt, type Column } from './packed-strings.js';
import { buildRecord } from './record-validation.js';
import { STREAM_FIELDS, type RecordOf, type StreamName } from './records.js';

/** The inputs every record of which the engine holds: the GP events, the receipts and the manifests. */
export type ObjectionStream = Exclude<StreamName, 'ndsDisseminations'>;

/**
 * A batch of one objection-side input after intake (validation, then duplicates in file order): the accepted
 * records as columns, one array per field in contract order (a message of a few arrays is copied between threads
 * far faster than one of many objects, each with its field names), with each one's code meaning as a small
 * number; for the rest only counts and dead letters.
 */
export interface AdmittedRecords<S extends ObjectionStream = ObjectionStream> {
  readonly stream: S;
  readonly items: number;
  readonly duplicates: number;
  /** The latest event time among the accepted records; -Infinity if none. */
  readonly latest: number;
  /** Accepted records, in file order. */
  readonly count: number;
  /**
   * One column per field of STREAM_FIELDS[stream].fields, each with a value per accepted record: ids and NHS
   * numbers packed, practices, suppliers and codes coded, times and counts in a Float64Array (packed-strings.ts). Fresh, handed over with the batch (a replay holds
   * them as they are).
   */
  readonly columns: Column[];
  /** Per accepted record: its code's meaning (see meaningOf), or NO_MEANING for a manifest. */
  readonly meanings: Uint8Array;
  readonly dead: readonly { readonly position: number; readonly reason: DeadLetterReason; readonly detail: string }[];
}

// Fields with a different value in nearly every record: packed, one string per column.
const PACKED_FIELDS: ReadonlySet<string> = new Set(['eventId', 'receiptId', 'extractId', 'sourceEventId', 'nhsNumber']);
// Fields with few distinct values, never null once validated: coded.
const CODED_FIELDS: ReadonlySet<string> = new Set(['practiceOds', 'supplier', 'code']);
// Integers of the contract (times, counts), never null once validated: in a Float64Array.
const NUMBER_FIELDS: ReadonlySet<string> = new Set(['recordedAt', 'receivedAt', 'coversUpTo', 'recordCount']);

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
  const names = STREAM_FIELDS[stream].fields;
  const columns: unknown[][] = names.map(() => []);
  let count = 0;
  const meanings = new Uint8Array(items.length);
  const batch = admitBatch(items, timeField, (fields) => {
    const admission = intake.admitFields(stream, fields);
    if (admission.kind === 'dead') return admission;
    if (admission.kind === 'duplicate') return DUPLICATE;
    meanings[count++] = meaningCode(admission.meaning);
    for (let f = 0; f < names.length; f++) columns[f]!.push(admission.fields[names[f]!]);
    return ACCEPTED;
  });
  const held = columns.map((column, f) => heldColumn(names[f]!, column));
  return { stream, ...batch, count, columns: held, meanings: meanings.slice(0, count) };
}

function heldColumn(name: string, column: unknown[]): Column {
  if (PACKED_FIELDS.has(name)) return packStrings(column as (string | null)[]);
  if (CODED_FIELDS.has(name)) return codeStrings(column as string[]);
  if (NUMBER_FIELDS.has(name)) return Float64Array.from(column as number[]);
  return column;
}

/** The buffers of a batch that can be moved to another thread rather than copied. */
export function transferables(batch: AdmittedRecords): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [batch.meanings.buffer as ArrayBuffer];
  for (const column of batch.columns) {
    if (column instanceof Float64Array) buffers.push(column.buffer as ArrayBuffer);
    else if (Array.isArray(column)) continue;
    else if ('codes' in column) buffers.push(column.codes.buffer as ArrayBuffer);
    else {
      buffers.push(column.ends.buffer as ArrayBuffer);
      if (column.nulls !== null) buffers.push(column.nulls.buffer as ArrayBuffer);
    }
  }
  return buffers;
}

/** The accepted records of a batch, whole. */
export function admittedRecords<S extends ObjectionStream>(batch: AdmittedRecords<S>): RecordOf[S][] {
  const names = STREAM_FIELDS[batch.stream].fields;
  const row: Record<string, unknown> = {};
  const records: RecordOf[S][] = new Array<RecordOf[S]>(batch.count);
  for (let i = 0; i < batch.count; i++) {
    for (let f = 0; f < names.length; f++) row[names[f]!] = valueAt(batch.columns[f]!, i);
    records[i] = buildRecord(batch.stream, row);
  }
  return records;
}
