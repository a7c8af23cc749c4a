// The Confluent Schema Registry, through @kafkajs/confluent-schema-registry used for its REST calls only: writer
// schemas by id (with their references, each id fetched once however many batches ask at the same time) and a
// schema's id under a subject (looked up, registered when absent). Decoding stays in the codec: the client's own
// decode resolves with plain avsc, which fails or silently defaults an enum symbol the reader lacks, and awaits per
// record (confluent-decoder.ts, lenient-resolution.ts).
//
// Failures: a 404 for an id is an answer (the id is absent: its records are dead letters). Anything else when
// fetching by id (connection refused or reset, timeout, 5xx, 401/403) is REGISTRY_UNAVAILABLE, retried with
// backoff by the caller. The client's own retries are off, so the caller's backoff and reporting decide.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import type { Type } from 'avsc';
import type { WriterSchemaLookup, WriterSchemaSource } from '../codec/confluent-decoder.js';

/** A request the registry did not answer as asked. `retriable`: unreachable, failing or slow, worth another try. */
export class SchemaRegistryFailure extends Error {
  readonly retriable: boolean;

  constructor(message: string, retriable: boolean, cause: unknown) {
    super(message, { cause });
    this.name = 'SchemaRegistryFailure';
    this.retriable = retriable;
  }
}

/**
 * By the HTTP status the client reports. The client reports a connection refused, reset or timed out as status
 * 400 with no answer from the server, so every status but those `permanent` names is taken for transient.
 */
function registryFailure(error: unknown, doing: string, permanent: ReadonlySet<number> = new Set()): SchemaRegistryFailure {
  const status = (error as { status?: unknown } | null)?.status;
  const transient = typeof status !== 'number' || !permanent.has(status);
  return new SchemaRegistryFailure(`Schema Registry ${doing}: ${error instanceof Error ? error.message : String(error)}`, transient, error);
}

export interface SchemaRegistryConnection {
  /** http:// or https://, with any path prefix the registry is served under. */
  readonly url: string;
  readonly username: string | null;
  readonly password: string | null;
  /** PEM of the CA to trust for https (default: the system's). */
  readonly ca: string | null;
  readonly timeoutMs: number;
}

type ClientArgs = ConstructorParameters<typeof SchemaRegistry>[0];
type ClientMiddleware = NonNullable<ClientArgs['middlewares']>[number];

const timeout = (ms: number): ClientMiddleware => () => ({
  prepareRequest: (next) => next().then((request) => request.enhance({ timeout: ms })),
});

/** Registration answers that another attempt cannot change: not found (no registry API there), conflict, invalid. */
const REGISTRATION_REFUSED = new Set([401, 403, 404, 405, 409, 422]);

export class SchemaRegistryClient implements WriterSchemaSource {
  readonly #client: SchemaRegistry;
  readonly #agent: HttpAgent;

  constructor(connection: SchemaRegistryConnection) {
    this.#agent = connection.url.startsWith('https:')
      ? new HttpsAgent({ keepAlive: true, ...(connection.ca === null ? {} : { ca: connection.ca }) })
      : new HttpAgent({ keepAlive: true });
    this.#client = new SchemaRegistry({
      host: connection.url.replace(/\/+$/, ''),
      clientId: 'optout-verifier',
      ...(connection.username === null ? {} : { auth: { username: connection.username, password: connection.password ?? '' } }),
      retry: { retries: 0 },
      agent: this.#agent,
      middlewares: [timeout(connection.timeoutMs)],
    });
  }

  async writerSchemaById(id: number): Promise<WriterSchemaLookup> {
    let schema: unknown;
    try {
      schema = await this.#client.getSchema(id);
    } catch (error) {
      const status = (error as { status?: unknown } | null)?.status;
      if (status === 404) return { kind: 'absent' };
      // Every HTTP failure carries its status; an error without one is the client failing to read what the
      // registry sent for the id (a schema avsc cannot parse, a schema type it does not know): that will not change.
      if (typeof status === 'number') throw registryFailure(error, `fetching schema id ${id}`);
      return { kind: 'unusable', detail: 'its schema cannot be read' };
    }
    const type = this.#client.cache.getSchema(id)?.type;
    if (type !== SchemaType.AVRO || !avro.Type.isType(schema)) return { kind: 'unusable', detail: `a ${type ?? 'schema of unknown type'} schema, not Avro` };
    return { kind: 'avro', type: schema as Type };
  }

  /**
   * The id of an Avro schema under a subject: looked up first (a read-only account suffices when the schema is
   * registered already), registered when the subject does not have it.
   */
  async schemaIdUnder(subject: string, schema: object): Promise<number> {
    const confluent = { type: SchemaType.AVRO as const, schema: JSON.stringify(schema) };
    try {
      return await this.#client.getRegistryIdBySchema(subject, confluent);
    } catch (error) {
      // A 404 (subject or schema not there) comes back without a status; every other HTTP failure keeps its own.
      if (typeof (error as { status?: unknown } | null)?.status === 'number') throw registryFailure(error, `looking up the schema under ${subject}`);
    }
    try {
      // updateConfig false: the subject's compatibility setting is the registry owner's, never changed here.
      return (await this.#client.register(confluent, { subject, compatibility: COMPATIBILITY.BACKWARD, updateConfig: false })).id;
    } catch (error) {
      const status = (error as { status?: unknown } | null)?.status;
      if (typeof status === 'number') throw registryFailure(error, `registering the schema under ${subject}`, REGISTRATION_REFUSED);
      throw new SchemaRegistryFailure(`Schema Registry registering the schema under ${subject}: ${(error as Error).message}; register it under ${subject} with the registry's own tools`, false, error);
    }
  }

  close(): void {
    this.#agent.destroy();
  }
}
