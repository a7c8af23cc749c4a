// One Kafka message to an IngestItem: decode the value (single-object, plain binary or Confluent), then the
// core's validation. What cannot be read or fails validation is a dead letter with its reason. A valid record is
// pseudonymised at once: its NHS number is replaced by the patient's keyed pseudonym (the patientRef the alerts
// carry), so no NHS number goes further than this file. It carries its id, event time and a SHA-256 fingerprint of
// its pseudonymised content (the store tells duplicates by it; a fingerprint of the clear content could be
// searched for the NHS number, a keyed pseudonym cannot).
import { hash } from 'node:crypto';
import type { ValueDecoder } from '../../codec/single-object.js';
import type { CodeCatalogue } from '../../core/code-catalogue.js';
import { contentKey } from '../../core/duplicates.js';
import { validateRecord } from '../../core/record-validation.js';
import { STREAM_FIELDS, type DecodedFields, type RecordOf, type StreamName } from '../../core/records.js';
import { recordIdKey } from '../store/record-id-key.js';
import { recordLine } from '../store/record-lines.js';
import type { IngestItem } from '../store/state-store.js';

export function contentHashOf(stream: StreamName, fields: DecodedFields): string {
  return hash('sha256', contentKey(stream, fields), 'hex');
}

/**
 * What the contract allows but the live service cannot keep: a NUL character (PostgreSQL text cannot hold one).
 * Refusing it here keeps poison input from failing a transaction forever; it is a dead letter (UNDECODABLE) live,
 * where a replay would take it (README, "When the live answer can differ"). Instants no date can hold, ids too
 * long for an index and other fields outside their form are already dead letters (INVALID_FIELD) by the core.
 */
function unstorable(names: readonly string[], fields: Readonly<Record<string, unknown>>): string | null {
  for (const name of names) {
    const value = fields[name];
    if (typeof value === 'string' && value.includes('\u0000')) return `${name} holds a NUL character, which the state store cannot hold`;
  }
  return null;
}

/** The keyed pseudonym of an NHS number (HMAC-SHA256 under the deployment's key, services/identity). */
export type Pseudonymise = (nhsNumber: string) => string;

/** The record with its NHS number (if the stream has one) replaced by the patient's keyed pseudonym. */
export function pseudonymised<S extends StreamName>(record: RecordOf[S], pseudonymise: Pseudonymise): RecordOf[S] {
  if (!('nhsNumber' in record)) return record;
  return { ...record, nhsNumber: pseudonymise(record.nhsNumber) };
}

/** A batch's messages as ingest reads them, in offset order. */
export interface IntakeBatch {
  readonly topic: string;
  readonly partition: number;
  readonly offsets: readonly number[];
  readonly values: readonly (Buffer | null)[];
}

/** The intake of whole batches: on the event loop (MessageIntake) or on a thread of its own (intake-thread.ts). */
export interface BatchIntake {
  /** Registry ids among a batch's values whose writer schema is not known yet (Confluent framing); [] otherwise. */
  writerSchemasToFetch(values: readonly (Buffer | null)[]): readonly number[];
  /** Fetches them: throws what the registry's client throws (retriable when the registry cannot answer). */
  fetchWriterSchemas(ids: readonly number[]): Promise<void>;
  /** Each message's item, in the batch's order. */
  classifyBatch(batch: IntakeBatch): Promise<IngestItem[]>;
}

export class MessageIntake implements BatchIntake {
  constructor(
    private readonly stream: StreamName,
    private readonly decoder: ValueDecoder,
    private readonly catalogue: CodeCatalogue,
    private readonly pseudonymise: Pseudonymise,
  ) {}

  writerSchemasToFetch(values: readonly (Buffer | null)[]): readonly number[] {
    return this.decoder.writerSchemasToFetch?.(values) ?? [];
  }

  async fetchWriterSchemas(ids: readonly number[]): Promise<void> {
    await this.decoder.fetchWriterSchemas?.(ids);
  }

  async classifyBatch(batch: IntakeBatch): Promise<IngestItem[]> {
    return batch.values.map((value, i) => this.classify(batch.offsets[i]!, value));
  }

  /**
   * Never throws: a record the intake fails on (a fault of this service, not of the record) is a dead letter, so one
   * record cannot block its partition. Its detail names the error's class only: a message could hold a field's value.
   */
  classify(offset: number, value: Buffer | null): IngestItem {
    try {
      return this.#classify(offset, value);
    } catch (error) {
      const kind = error instanceof Error ? error.constructor.name : typeof error;
      return { kind: 'dead', offset, reason: 'UNDECODABLE', detail: `the intake failed on this record (${kind})` };
    }
  }

  #classify(offset: number, value: Buffer | null): IngestItem {
    if (value === null || value.length === 0) return { kind: 'dead', offset, reason: 'UNDECODABLE', detail: 'empty value' };
    const decoded = this.decoder.decode(value);
    if (!decoded.ok) return { kind: 'dead', offset, reason: decoded.reason, detail: decoded.detail };
    const validation = validateRecord(this.stream, decoded.fields, this.catalogue);
    if (!validation.ok) return { kind: 'dead', offset, reason: validation.reason, detail: validation.detail };
    const spec = STREAM_FIELDS[this.stream];
    // A validated record holds exactly the contract's fields (the core builds it), so its fields are the stream's.
    const refused = unstorable(spec.fields, validation.record as unknown as Record<string, unknown>);
    if (refused !== null) return { kind: 'dead', offset, reason: 'UNDECODABLE', detail: refused };
    const record = pseudonymised(validation.record, this.pseudonymise);
    const fields = record as unknown as Record<string, unknown>;
    const id = fields[spec.id] as string;
    return {
      kind: 'valid', offset, stream: this.stream, record, meaning: validation.meaning,
      id, eventTime: fields[spec.time] as number, contentHash: contentHashOf(this.stream, fields),
      idKey: recordIdKey(this.stream, id), line: recordLine(this.stream, offset, record, validation.meaning),
    };
  }
}
