// What an export does with one message of an input topic: decoded with the deployment's framing (as `run`
// decodes it) and re-encodable with the contract's schema, it is a record of the export when its event time is
// in the range; otherwise it is rejected with a structural reason, never dropped. Validation (NHS numbers,
// codes, manifests) is the replay's: a record that decodes but would be a dead letter is exported as it is, so
// the replay of the export sets it aside as the live service did.
//
// Rejected:
// - an empty value, or one the decoder cannot read (wrong framing, unknown writer schema, an enum symbol the
//   contract lacks, a truncated body): UNDECODABLE, whatever the range (there is no event time to test);
// - a decoded record lacking a value the contract's schema requires (a producer's schema without the field):
//   MISSING_FIELD, when its event time is in the range or cannot be read. The contract's files cannot hold it.
import type { Type } from 'avsc';
import type { ValueDecoder } from '../../codec/single-object.js';
import { avroTypeFor } from '../../codec/schema-catalog.js';
import { STREAM_FIELDS, type DecodedFields, type StreamName } from '../../core/records.js';
import { inRange, type EventTimeRange } from './event-time-range.js';

export type Triage =
  | { readonly kind: 'record'; readonly fields: DecodedFields }
  | { readonly kind: 'outside-range' }
  | { readonly kind: 'rejected'; readonly reason: 'UNDECODABLE' | 'MISSING_FIELD'; readonly detail: string };

export class MessageTriage {
  readonly #decoder: ValueDecoder;
  readonly #range: EventTimeRange;
  readonly #timeField: string;
  readonly #contract: Type;

  constructor(stream: StreamName, decoder: ValueDecoder, range: EventTimeRange) {
    this.#decoder = decoder;
    this.#range = range;
    this.#timeField = STREAM_FIELDS[stream].time;
    this.#contract = avroTypeFor(stream);
  }

  /** Registry ids among a batch's values whose writer schema must be fetched first (Confluent framing). */
  writerSchemasToFetch(values: readonly (Buffer | null)[]): readonly number[] {
    return this.#decoder.writerSchemasToFetch?.(values) ?? [];
  }

  async fetchWriterSchemas(ids: readonly number[]): Promise<void> {
    await this.#decoder.fetchWriterSchemas?.(ids);
  }

  triage(value: Buffer | null): Triage {
    if (value === null || value.length === 0) return { kind: 'rejected', reason: 'UNDECODABLE', detail: 'empty value' };
    const decoded = this.#decoder.decode(value);
    if (!decoded.ok) return { kind: 'rejected', reason: 'UNDECODABLE', detail: decoded.detail };
    const eventTime = decoded.fields[this.#timeField];
    if (typeof eventTime === 'number' && !inRange(this.#range, eventTime)) return { kind: 'outside-range' };
    let missing: string | undefined;
    if (!this.#contract.isValid(decoded.fields, { errorHook: (path) => { missing ??= path.join('.'); } })) {
      return { kind: 'rejected', reason: 'MISSING_FIELD', detail: `field ${missing ?? '?'} is missing or null: the contract's schema cannot hold the record` };
    }
    return { kind: 'record', fields: decoded.fields };
  }
}
