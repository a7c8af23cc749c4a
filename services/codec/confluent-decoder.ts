// Values in the Confluent Schema Registry wire format (confluent-framing.ts). The writer schema of each id is asked
// of the registry once and kept; a batch's unknown ids are fetched before it is decoded, so decoding itself stays
// synchronous and a record whose schema is cached costs no await. Each writer schema is resolved to the contract's
// reader schema exactly as single-object values are (lenient-resolution.ts): unknown enum symbols are never defaulted.
//
// What happens to each failure:
// - shorter than the header, a first byte other than 0, id 0: UNDECODABLE, without asking the registry;
// - an id the registry does not have (it answers 404): UNDECODABLE. Not kept: the next batch that carries the id asks
//   again (a schema restored to the registry is found), one request per distinct id and batch;
// - an id whose schema is not Avro (Protobuf, JSON Schema) or cannot be parsed: UNDECODABLE, kept (ids never change);
// - a writer schema that cannot be resolved to the reader: UNDECODABLE, kept (see WriterEntry);
// - the registry unreachable or failing: fetchWriterSchemas throws what the source threw, and nothing is decoded:
//   the caller retries the batch (never a dead letter).
import type { Type } from 'avsc';
import { readConfluentHeader, CONFLUENT_HEADER_SIZE, confluentHeader } from './confluent-framing.js';
import { undecodable, type DecodeResult } from './decode-result.js';
import type { RecordSchemaJson } from './schema-catalog.js';
import { asBuffer, WriterEntry, type ValueDecoder } from './single-object.js';

export type WriterSchemaLookup =
  | { readonly kind: 'avro'; readonly type: Type }
  /** The registry answered that it has no schema with this id. */
  | { readonly kind: 'absent' }
  /** The registry has the id, but its schema cannot be read as Avro: a structural reason. */
  | { readonly kind: 'unusable'; readonly detail: string };

/** Writer schemas by registry id. Throws when the registry cannot answer (unreachable, failing, timing out). */
export interface WriterSchemaSource {
  writerSchemaById(id: number): Promise<WriterSchemaLookup>;
}

export class ConfluentDecoder implements ValueDecoder {
  readonly #reader: RecordSchemaJson;
  readonly #source: WriterSchemaSource;
  /** Ids whose answer does not change: a writer entry, or the reason its values are undecodable. */
  readonly #known = new Map<number, WriterEntry | string>();
  /** Ids the registry said it does not have, at the last asking. */
  readonly #absent = new Set<number>();

  constructor(reader: RecordSchemaJson, source: WriterSchemaSource) {
    this.#reader = reader;
    this.#source = source;
  }

  writerSchemasToFetch(values: readonly (Uint8Array | null)[]): readonly number[] {
    let wanted: Set<number> | undefined;
    for (const value of values) {
      if (value === null) continue;
      const header = readConfluentHeader(value);
      if (header.ok && !this.#known.has(header.schemaId)) (wanted ??= new Set()).add(header.schemaId);
    }
    return wanted === undefined ? [] : [...wanted];
  }

  async fetchWriterSchemas(ids: readonly number[]): Promise<void> {
    await Promise.all(ids.map(async (id) => {
      if (this.#known.has(id)) return;
      const lookup = await this.#source.writerSchemaById(id);
      if (lookup.kind === 'absent') {
        this.#absent.add(id);
        return;
      }
      this.#absent.delete(id);
      this.#known.set(id, lookup.kind === 'avro' ? new WriterEntry(this.#reader, lookup.type) : `schema id ${id}: ${lookup.detail}`);
    }));
  }

  decode(bytes: Uint8Array): DecodeResult {
    const buf = asBuffer(bytes);
    const header = readConfluentHeader(buf);
    if (!header.ok) return undecodable(header.detail);
    const writer = this.#known.get(header.schemaId);
    if (writer === undefined) {
      return undecodable(this.#absent.has(header.schemaId) ? `schema id ${header.schemaId} is not in the schema registry` : `schema id ${header.schemaId} was not fetched from the schema registry`);
    }
    if (typeof writer === 'string') return undecodable(writer);
    return writer.decodeBody(buf, CONFLUENT_HEADER_SIZE);
  }
}

/** Encodes values of one writer schema under the registry id it was registered with. */
export class ConfluentEncoder {
  readonly schemaId: number;
  readonly #type: Type;
  readonly #header: Buffer;

  constructor(schemaId: number, type: Type) {
    this.schemaId = schemaId;
    this.#type = type;
    this.#header = confluentHeader(schemaId);
  }

  encode(value: unknown): Buffer {
    return Buffer.concat([this.#header, this.#type.toBuffer(value)]);
  }
}
