// What the event loop and the intake thread (intake-worker.ts, intake-thread.ts) tell each other. A batch goes as
// one buffer of its values, handed over without a copy; it comes back as few values as can carry it: the valid
// records' lines as one text, their ids, keys and content fingerprints, and its dead letters by position. Handing
// over a thousand item objects would cost the event loop about as much as making them.
import type { CatalogueEntry } from '../../core/code-catalogue.js';
import type { DeadLetterReason } from '../../core/dead-letter-reason.js';
import type { StreamName } from '../../core/records.js';
import type { ValueFraming } from '../../codec/stream-value-codec.js';

/** A framing as the thread can be given it: the Confluent format's writer schemas come with the batches. */
export type PortableFraming = Exclude<ValueFraming, { readonly kind: 'confluent' }> | { readonly kind: 'confluent' };

/** A schema registry's answer for an id (confluent-decoder.ts, WriterSchemaLookup), its Avro type as its schema. */
export type PortableLookup =
  | { readonly kind: 'avro'; readonly schema: unknown }
  | { readonly kind: 'absent' }
  | { readonly kind: 'unusable'; readonly detail: string };

export interface IntakeWorkerData {
  readonly streams: readonly { readonly stream: StreamName; readonly framing: PortableFraming }[];
  readonly catalogue: readonly CatalogueEntry[];
  readonly pseudonymKey: Uint8Array;
}

export interface IntakeRequest {
  readonly id: number;
  readonly stream: StreamName;
  readonly offsets: Float64Array;
  /** The values one after another; value i is bytes[ends[i - 1] ?? 0, ends[i]). An absent value is an empty one. */
  readonly bytes: Uint8Array;
  readonly ends: Int32Array;
  /** Registry answers the thread has not been given yet, by schema id. */
  readonly schemas: readonly (readonly [number, PortableLookup])[];
}

export type IntakeReply =
  | {
    readonly id: number;
    readonly ok: true;
    /** Messages that are dead letters, by their position in the batch; every other one is valid. */
    readonly dead: readonly { readonly index: number; readonly reason: DeadLetterReason; readonly detail: string }[];
    /** Of the valid ones, in order: ids, keys (32 hex digits each), content fingerprints (64 each), lines ('\n' between). */
    readonly ids: readonly string[];
    readonly keys: string;
    readonly contentHashes: string;
    readonly lines: string;
  }
  | { readonly id: number; readonly ok: false; readonly message: string };

/** What the thread sends: first that it is ready (its modules loaded, its intakes made), then its replies. */
export type IntakeWorkerMessage = { readonly ready: true } | IntakeReply;
