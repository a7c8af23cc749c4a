// Kafka value codecs for the four input streams, in the contract's framing: single-object encoding by default,
// or plain binary with one declared writer schema when a deployment says so.
import type { RecordOf, StreamName } from '../core/records.js';
import { streamSchemaJson } from './schema-catalog.js';
import { PlainBinaryDecoder, SingleObjectDecoder, SingleObjectEncoder, type ValueDecoder } from './single-object.js';

export type ValueFraming =
  | { readonly kind: 'single-object'; readonly extraWriterSchemas?: readonly (object | string)[] }
  | { readonly kind: 'plain-binary'; readonly writerSchema: object | string };

export function streamValueDecoder(stream: StreamName, framing: ValueFraming = { kind: 'single-object' }): ValueDecoder {
  const reader = streamSchemaJson(stream);
  return framing.kind === 'single-object'
    ? new SingleObjectDecoder(reader, framing.extraWriterSchemas ?? [])
    : new PlainBinaryDecoder(reader, framing.writerSchema);
}

/** Encodes contract records with the contract's own schema, single-object framed. */
export function streamValueEncoder<S extends StreamName>(stream: S): (record: RecordOf[S]) => Buffer {
  const encoder = new SingleObjectEncoder(streamSchemaJson(stream));
  return (record) => encoder.encode(record);
}
