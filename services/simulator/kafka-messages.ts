// A simulated item as the Kafka message a producer of the data contract would send: the key the contract names
// for its stream (docs/data-contract.md, "On Kafka": nhsNumber, or practiceOds for extract manifests) and
// the value in Avro single-object encoding or the Confluent wire format. Pure: no client, no clock.
import avro from 'avsc';
import { ConfluentEncoder } from '../codec/confluent-decoder.js';
import { avroTypeFor } from '../codec/schema-catalog.js';
import { SingleObjectEncoder } from '../codec/single-object.js';
import { CONTRACT_STREAMS } from '../contract/streams.js';
import { streamValueEncoder } from '../codec/stream-value-codec.js';
import { STREAM_FIELDS, type RecordOf, type StreamName } from '../core/records.js';
import { withForeignPurpose } from './scenario-files.js';
import type { SimulatedItem } from './simulated-item.js';


export interface KafkaMessage {
  readonly stream: StreamName;
  readonly key: string;
  readonly value: Buffer;
  /** The record's event time (recordedAt, receivedAt or sharedAt), when it has one: for progress lines. */
  readonly eventTime: number | null;
}

export type MessageEncoder = (item: SimulatedItem) => KafkaMessage;

/** Registry ids of the schemas a Confluent-framed scenario is written with (see publish-command.ts). */
export interface ConfluentSchemaIds {
  readonly contract: { readonly [S in StreamName]: number };
  /** The widened dissemination schema of bad-records; null when the scenario has none. */
  readonly foreignPurpose: number | null;
}

/**
 * Contract records are encoded with the contract's schema. A dissemination with a purpose outside the contract
 * (bad-records) is encoded with the widened schema the Avro file would carry: a reader of the contract cannot
 * read that symbol, so the verifier dead-letters it as UNDECODABLE, as the replay does with the file.
 * A missing field cannot be written in Avro at all; such items exist only for NDJSON files.
 * Values are single-object encoded, or in the Confluent wire format under the registry ids given.
 */
export function kafkaMessageEncoder(confluent: ConfluentSchemaIds | null = null): MessageEncoder {
  const encoders: { [S in StreamName]: (record: RecordOf[S]) => Buffer } = confluent === null
    ? {
      gpEvents: streamValueEncoder('gpEvents'),
      ndsReceived: streamValueEncoder('ndsReceived'),
      ndsManifests: streamValueEncoder('ndsManifests'),
      ndsDisseminations: streamValueEncoder('ndsDisseminations'),
    }
    : {
      gpEvents: confluentEncoder(confluent.contract.gpEvents, avroTypeFor('gpEvents')),
      ndsReceived: confluentEncoder(confluent.contract.ndsReceived, avroTypeFor('ndsReceived')),
      ndsManifests: confluentEncoder(confluent.contract.ndsManifests, avroTypeFor('ndsManifests')),
      ndsDisseminations: confluentEncoder(confluent.contract.ndsDisseminations, avroTypeFor('ndsDisseminations')),
    };
  let widened: ((fields: unknown) => Buffer) | undefined;
  const widenedEncoder = (): ((fields: unknown) => Buffer) => {
    if (confluent === null) {
      const encoder = new SingleObjectEncoder(withForeignPurpose());
      return (fields) => encoder.encode(fields);
    }
    if (confluent.foreignPurpose === null) throw new Error('a bad-records dissemination needs the widened schema registered');
    return confluentEncoder(confluent.foreignPurpose, avro.Type.forSchema(withForeignPurpose() as avro.Schema));
  };
  return (item) => {
    const stream = item.stream;
    if (item.kind === 'record') {
      const value = (encoders[stream] as (record: RecordOf[StreamName]) => Buffer)(item.record);
      return message(stream, item.record as unknown as Readonly<Record<string, unknown>>, value);
    }
    if (item.kind === 'off-contract' && item.flaw === 'UNKNOWN_SYMBOL' && stream === 'ndsDisseminations') {
      widened ??= widenedEncoder();
      return message(stream, item.fields, widened(item.fields));
    }
    throw new Error(`a Kafka message in Avro cannot carry ${item.kind === 'garbled' ? 'a garbled line' : `a ${item.flaw} record`} (${stream}); generate for Avro`);
  };
}

function confluentEncoder(schemaId: number, type: avro.Type): (value: unknown) => Buffer {
  const encoder = new ConfluentEncoder(schemaId, type);
  return (value) => encoder.encode(value);
}

function message(stream: StreamName, fields: Readonly<Record<string, unknown>>, value: Buffer): KafkaMessage {
  const key = fields[CONTRACT_STREAMS[stream].keyField];
  const time = fields[STREAM_FIELDS[stream].time];
  return { stream, key: typeof key === 'string' ? key : '', value, eventTime: typeof time === 'number' ? time : null };
}
