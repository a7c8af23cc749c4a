// The records of the data contract (docs/data-contract.md), once decoded and validated.
// Times are epoch milliseconds, UTC (Avro timestamp-millis).

export type Millis = number;

export type StreamName = 'gpEvents' | 'ndsReceived' | 'ndsManifests' | 'ndsDisseminations';
export const STREAM_NAMES: readonly StreamName[] = ['gpEvents', 'ndsReceived', 'ndsManifests', 'ndsDisseminations'];

export type OptOutType = 'TYPE_1' | 'TYPE_2';
export const OPT_OUT_TYPES: readonly OptOutType[] = ['TYPE_1', 'TYPE_2'];
export type OptOutAction = 'DISSENT' | 'WITHDRAWN';

export const PURPOSES = ['DIRECT_CARE', 'PLANNING', 'RESEARCH', 'OTHER'] as const;
export type Purpose = (typeof PURPOSES)[number];

export interface GpOptOutEvent {
  readonly eventId: string;
  readonly nhsNumber: string;
  readonly practiceOds: string;
  readonly supplier: string;
  readonly code: string;
  readonly recordedAt: Millis;
}

export interface NdsReceivedObjection {
  readonly receiptId: string;
  readonly nhsNumber: string;
  readonly practiceOds: string;
  readonly supplier: string;
  readonly code: string;
  readonly sourceEventId: string | null;
  readonly extractId: string;
  readonly receivedAt: Millis;
}

export interface NdsExtractManifest {
  readonly extractId: string;
  readonly supplier: string;
  readonly practiceOds: string;
  readonly coversUpTo: Millis;
  readonly receivedAt: Millis;
  readonly recordCount: number;
}

export interface NdsDissemination {
  readonly disseminationId: string;
  readonly nhsNumber: string;
  readonly recipient: string;
  readonly purpose: Purpose;
  readonly sharedAt: Millis;
}

export interface RecordOf {
  gpEvents: GpOptOutEvent;
  ndsReceived: NdsReceivedObjection;
  ndsManifests: NdsExtractManifest;
  ndsDisseminations: NdsDissemination;
}

export type AnyRecord = RecordOf[StreamName];

/** A decoded record before validation: every field may be absent or null. Present fields have the contract's JS type. */
export type DecodedFields = Readonly<Record<string, unknown>>;

/** Field names, types and the id / event-time field of each stream, in contract order. */
export const STREAM_FIELDS: { readonly [S in StreamName]: { readonly id: keyof RecordOf[S] & string; readonly time: keyof RecordOf[S] & string; readonly fields: readonly (keyof RecordOf[S] & string)[] } } = {
  gpEvents: { id: 'eventId', time: 'recordedAt', fields: ['eventId', 'nhsNumber', 'practiceOds', 'supplier', 'code', 'recordedAt'] },
  ndsReceived: { id: 'receiptId', time: 'receivedAt', fields: ['receiptId', 'nhsNumber', 'practiceOds', 'supplier', 'code', 'sourceEventId', 'extractId', 'receivedAt'] },
  ndsManifests: { id: 'extractId', time: 'receivedAt', fields: ['extractId', 'supplier', 'practiceOds', 'coversUpTo', 'receivedAt', 'recordCount'] },
  ndsDisseminations: { id: 'disseminationId', time: 'sharedAt', fields: ['disseminationId', 'nhsNumber', 'recipient', 'purpose', 'sharedAt'] },
};
