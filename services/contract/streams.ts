// The data contract's streams in one place: the topic each travels on by default, the field its messages are
// keyed by, its Avro schema's full name, and the names of the settings that rename its topic or name its writer
// schema. The records' fields and types are the .avsc files' (schemas/, read by the codec); the rules' view of
// them (id and event-time field) is the core's (core/records.ts STREAM_FIELDS). Everything else derives from here.
import type { StreamName } from '../core/records.js';

export interface ContractStream {
  /** Default topic name. */
  readonly topic: string;
  /** The field whose value keys a message (the contract's partitioning). */
  readonly keyField: 'nhsNumber' | 'practiceOds';
  /** Full name of the stream's Avro record schema (schemas/<name>.avsc). */
  readonly schemaName: string;
  /** The `<X>` of the TOPIC_<X> and WRITER_SCHEMA_<X> settings. */
  readonly settingSuffix: string;
  /** The stem of the stream's file as simulate and export write it, and of replay's flag (--<stem>). */
  readonly fileStem: string;
}

export const CONTRACT_STREAMS: { readonly [S in StreamName]: ContractStream } = {
  gpEvents: { topic: 'gp.optout.events', keyField: 'nhsNumber', schemaName: 'optout.v1.GpOptOutEvent', settingSuffix: 'GP_EVENTS', fileStem: 'gp-events' },
  ndsReceived: { topic: 'nds.objections.received', keyField: 'nhsNumber', schemaName: 'optout.v1.NdsReceivedObjection', settingSuffix: 'NDS_RECEIVED', fileStem: 'nds-received' },
  ndsManifests: { topic: 'nds.extracts.received', keyField: 'practiceOds', schemaName: 'optout.v1.NdsExtractManifest', settingSuffix: 'NDS_MANIFESTS', fileStem: 'nds-manifests' },
  ndsDisseminations: { topic: 'nds.disseminations', keyField: 'nhsNumber', schemaName: 'optout.v1.NdsDissemination', settingSuffix: 'NDS_DISSEMINATIONS', fileStem: 'nds-disseminations' },
};

/** The verifier's own outputs. */
export const OUTPUT_TOPICS = { alerts: 'optout.alerts', deadLetter: 'optout.deadletter' } as const;
export const ALERT_SCHEMA_NAME = 'optout.v1.PropagationAlert';

/** Every topic's default name, inputs and outputs. */
export const DEFAULT_TOPICS = {
  gpEvents: CONTRACT_STREAMS.gpEvents.topic,
  ndsReceived: CONTRACT_STREAMS.ndsReceived.topic,
  ndsManifests: CONTRACT_STREAMS.ndsManifests.topic,
  ndsDisseminations: CONTRACT_STREAMS.ndsDisseminations.topic,
  ...OUTPUT_TOPICS,
} as const;

/** The setting that renames a stream's topic. */
export function topicSetting(stream: StreamName): string {
  return `TOPIC_${CONTRACT_STREAMS[stream].settingSuffix}`;
}

/** The setting that names a stream's writer schema file (plain Avro values). */
export function writerSchemaSetting(stream: StreamName): string {
  return `WRITER_SCHEMA_${CONTRACT_STREAMS[stream].settingSuffix}`;
}
