// A simulated scenario in the Confluent wire format: each file's writer schema registered under its topic's subject
// (`<topic>-value`, the registry's default strategy), and each message's single-object header swapped for the
// Confluent one. The Avro body is the same bytes: only the framing differs.
import { CONFLUENT_MAGIC_BYTE, confluentHeader } from '../../../services/codec/confluent-framing.js';
import type { StreamName } from '../../../services/core/records.js';
import { SchemaRegistryClient } from '../../../services/schema-registry/registry-client.js';
import { topicValueSubject } from '../../../services/schema-registry/registry-settings.js';
import type { Scenario, ScenarioMessage } from './scenario.js';

const SINGLE_OBJECT_HEADER_SIZE = 10;

export function registryClient(url: string, auth: { username: string; password: string } | null = null, ca: string | null = null, timeoutMs = 5_000): SchemaRegistryClient {
  return new SchemaRegistryClient({ url, username: auth?.username ?? null, password: auth?.password ?? null, ca, timeoutMs });
}

/** Registers the scenario's writer schemas under the topics' subjects; the messages re-framed with their ids. */
export async function inConfluentFormat(scenario: Scenario, registryUrl: string, topics: { readonly [S in StreamName]: string }): Promise<ScenarioMessage[]> {
  const client = registryClient(registryUrl);
  try {
    const ids = new Map<StreamName, number>();
    for (const [stream, schema] of scenario.writerSchemaByStream) ids.set(stream, await client.schemaIdUnder(topicValueSubject(topics[stream]), schema));
    return scenario.messages.map((m) => ({ ...m, value: Buffer.concat([confluentHeader(ids.get(m.stream)!), m.value.subarray(SINGLE_OBJECT_HEADER_SIZE)]) }));
  } finally {
    client.close();
  }
}

/** A value whose header names an id no registry has given out. */
export function withSchemaId(value: Buffer, schemaId: number): Buffer {
  return Buffer.concat([confluentHeader(schemaId), value.subarray(5)]);
}

/** The same value with a first byte other than the magic byte 0. */
export function withWrongMagicByte(value: Buffer): Buffer {
  const copy = Buffer.from(value);
  copy[0] = CONFLUENT_MAGIC_BYTE + 1;
  return copy;
}
