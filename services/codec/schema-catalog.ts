// The contract's Avro schemas, loaded from the project's schemas/ folder: the .avsc files are the source of
// truth (data-contract.md), so nothing here restates a field list.
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import type { Type } from 'avsc';
import { ALERT_SCHEMA_NAME, CONTRACT_STREAMS } from '../contract/streams.js';
import type { StreamName } from '../core/records.js';
import { packageFile } from '../package-root.js';

/** Found from the package root, so it works whatever the working directory is, from the sources or dist/. */
export const SCHEMAS_DIR = packageFile('schemas');

export const STREAM_SCHEMA_NAMES: { readonly [S in StreamName]: string } = {
  gpEvents: CONTRACT_STREAMS.gpEvents.schemaName,
  ndsReceived: CONTRACT_STREAMS.ndsReceived.schemaName,
  ndsManifests: CONTRACT_STREAMS.ndsManifests.schemaName,
  ndsDisseminations: CONTRACT_STREAMS.ndsDisseminations.schemaName,
};
export { ALERT_SCHEMA_NAME };

/** The JSON shape of a record schema as written in an .avsc file (only what the codec inspects is typed). */
export interface RecordSchemaJson {
  readonly type: 'record';
  readonly name: string;
  readonly namespace?: string;
  readonly doc?: string;
  readonly fields: readonly { readonly name: string; readonly type: unknown; readonly doc?: string; readonly default?: unknown }[];
}

const jsonCache = new Map<string, RecordSchemaJson>();
const typeCache = new Map<string, Type>();

export function schemaPath(fullName: string): string {
  return packageFile('schemas', `${fullName}.avsc`);
}

/** The parsed .avsc file (deep-frozen: callers derive schemas from it, never mutate it). */
export function schemaJson(fullName: string): RecordSchemaJson {
  let json = jsonCache.get(fullName);
  if (json === undefined) {
    const parsed = JSON.parse(readFileSync(schemaPath(fullName), 'utf8')) as RecordSchemaJson;
    if (parsed.type !== 'record' || !Array.isArray(parsed.fields)) throw new Error(`schema ${fullName} is not a record schema`);
    json = deepFreeze(parsed);
    jsonCache.set(fullName, json);
  }
  return json;
}

/**
 * The avsc type of a schema. No logical-type implementations are registered on purpose: timestamp-millis then
 * reads and writes as a plain long, i.e. epoch milliseconds as a number, which is the domain's representation.
 */
export function avroTypeByName(fullName: string): Type {
  let type = typeCache.get(fullName);
  if (type === undefined) {
    type = avro.Type.forSchema(schemaJson(fullName) as unknown as avro.Schema);
    typeCache.set(fullName, type);
  }
  return type;
}

export function streamSchemaJson(stream: StreamName): RecordSchemaJson {
  return schemaJson(STREAM_SCHEMA_NAMES[stream]);
}

export function avroTypeFor(stream: StreamName): Type {
  return avroTypeByName(STREAM_SCHEMA_NAMES[stream]);
}

export function alertSchemaJson(): RecordSchemaJson {
  return schemaJson(ALERT_SCHEMA_NAME);
}

export function alertAvroType(): Type {
  return avroTypeByName(ALERT_SCHEMA_NAME);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
