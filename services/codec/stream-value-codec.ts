// Kafka value codecs for the four input streams, in the contract's framing: single-object encoding by default,
// plain binary with one declared writer schema, or the Confluent wire format with writer schemas from a registry.
import type { RecordOf, StreamName } from '../core/records.js';
import { streamSchemaJson } from './schema-catalog.js';
import { ConfluentDecoder, type WriterSchemaSource } from './confluent-decoder.js';
import { PlainBinaryDecoder, SingleObjectDecoder, SingleObjectEncoder, type ValueDecoder } from './single-object.js';

export type ValueFraming =
  | { readonly kind: 'single-object'; readonly extraWriterSchemas?: readonly (object | string)[] }
  | { readonly kind: 'plain-binary'; readonly writerSchema: object | string }
  | { readonly kind: 'confluent'; readonly registry: WriterSchemaSource };

export function streamValueDecoder(stream: StreamName, framing: ValueFraming = { kind: 'single-object' }): ValueDecoder {
  const reader = streamSchemaJson(stream);
  switch (framing.kind) {
    case 'single-object': return new SingleObjectDecoder(reader, framing.extraWriterSchemas ?? []);
    case 'plain-binary': return new PlainBinaryDecoder(reader, framing.writerSchema);
    case 'confluent': return new ConfluentDecoder(reader, framing.registry);
  }
}

/** Encodes contract records with the contract's own schema, single-object framed. */
export function streamValueEncoder<S extends StreamName>(stream: S): (record: RecordOf[S]) => Buffer {
  const encoder = new SingleObjectEncoder(streamSchemaJson(stream));
  return (record) => encoder.encode(record);
}
