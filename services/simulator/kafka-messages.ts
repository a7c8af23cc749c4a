// A simulated item as the Kafka message a producer of the data contract would send: the key the contract names
// for its stream (docs/data-contract.md, "On Kafka": nhsNumber, or practiceOds for extract manifests) and
// the value in Avro single-object encoding. Pure: no client, no clock.
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

/**
 * Contract records are encoded with the contract's schema. A dissemination with a purpose outside the contract
 * (bad-records) is encoded with the widened schema the Avro file would carry: a reader of the contract does not
 * know that fingerprint, so the verifier dead-letters it as UNDECODABLE, as the replay does with the file.
 * A missing field cannot be written in Avro at all; such items exist only for NDJSON files.
 */
export function kafkaMessageEncoder(): MessageEncoder {
  const encoders: { [S in StreamName]: (record: RecordOf[S]) => Buffer } = {
    gpEvents: streamValueEncoder('gpEvents'),
    ndsReceived: streamValueEncoder('ndsReceived'),
    ndsManifests: streamValueEncoder('ndsManifests'),
    ndsDisseminations: streamValueEncoder('ndsDisseminations'),
  };
  let widened: SingleObjectEncoder | undefined;
  return (item) => {
    const stream = item.stream;
    if (item.kind === 'record') {
      const value = (encoders[stream] as (record: RecordOf[StreamName]) => Buffer)(item.record);
      return message(stream, item.record as unknown as Readonly<Record<string, unknown>>, value);
    }
    if (item.kind === 'off-contract' && item.flaw === 'UNKNOWN_SYMBOL' && stream === 'ndsDisseminations') {
      widened ??= new SingleObjectEncoder(withForeignPurpose());
      return message(stream, item.fields, widened.encode(item.fields));
    }
    throw new Error(`a Kafka message in Avro cannot carry ${item.kind === 'garbled' ? 'a garbled line' : `a ${item.flaw} record`} (${stream}); generate for Avro`);
  };
}

function message(stream: StreamName, fields: Readonly<Record<string, unknown>>, value: Buffer): KafkaMessage {
  const key = fields[CONTRACT_STREAMS[stream].keyField];
  const time = fields[STREAM_FIELDS[stream].time];
  return { stream, key: typeof key === 'string' ? key : '', value, eventTime: typeof time === 'number' ? time : null };
}
