// What the generator yields: a contract record for one of the four streams, or, for the bad-records profile,
// something a reader must dead-letter that no contract type can hold (a missing field, an enum symbol outside
// the contract, a line that is not a record at all).
import type { RecordOf, StreamName } from '../core/records.js';

export type RecordItem = { [S in StreamName]: { readonly kind: 'record'; readonly stream: S; readonly record: RecordOf[S] } }[StreamName];

export interface OffContractItem {
  readonly kind: 'off-contract';
  readonly stream: StreamName;
  /** The record's fields; timestamps as epoch milliseconds. A field may be absent or carry a foreign value. */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly flaw: 'MISSING_FIELD' | 'UNKNOWN_SYMBOL';
}

/** NDJSON only: a line written as it stands. */
export interface GarbledItem {
  readonly kind: 'garbled';
  readonly stream: StreamName;
  readonly text: string;
}

export type SimulatedItem = RecordItem | OffContractItem | GarbledItem;

export function recordItem<S extends StreamName>(stream: S, record: RecordOf[S]): RecordItem {
  return { kind: 'record', stream, record } as RecordItem;
}
