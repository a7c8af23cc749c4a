// A stand-in for the Confluent Schema Registry, for machines without Docker: the documented REST endpoints that
// producers and consumers of the wire format use, held in memory.
//   GET  /schemas/ids/{id}                      a schema by id (404, error_code 40403, when absent)
//   GET  /subjects                              the subjects
//   POST /subjects/{subject}/versions           register; the same schema gets the same id in every subject
//   GET  /subjects/{subject}/versions/latest    the latest version (404, 40401, for an unknown subject)
//   POST /subjects/{subject}                    look a schema up under a subject (40401 or 40403 when absent)
//   GET  /config/{subject}                      404, 40408: no subject-level compatibility (what a registry says
//                                               until someone sets one; clients ask before registering)
// Optional basic auth (401 without it) and TLS. No compatibility checks: the suite registers only schemas it means
// to. An outage can be switched on: 503 for every request, the port refusing connections, or requests left
// unanswered (a client times out); every request refused that way is counted, so a test can see that its outage
// landed while the service was asking.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export type RegistryOutage = 'unavailable' | 'refused' | 'unanswered';

export interface StandInOptions {
  readonly basicAuth?: { readonly username: string; readonly password: string };
  readonly tls?: { readonly key: string; readonly cert: string };
  /** A fixed port (to come back on after a 'refused' outage); default any free one. */
  readonly port?: number;
}

export interface SchemaRegistryStandIn {
  readonly url: string;
  /** Requests answered normally, and requests met by an outage, since start. */
  readonly served: { readonly answered: number; readonly refused: number };
  setOutage(outage: RegistryOutage | null): Promise<void>;
  stop(): Promise<void>;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

interface StoredSchema {
  readonly id: number;
  readonly schema: string;
  readonly schemaType: string;
  readonly references: unknown[];
}

class Registry {
  readonly #byId = new Map<number, StoredSchema>();
  readonly #byText = new Map<string, StoredSchema>();
  readonly #subjects = new Map<string, number[]>();

  register(subject: string, schema: string, schemaType: string, references: unknown[]): { id: number; version: number } {
    const key = `${schemaType}\u0000${canonical(schema)}`;
    let stored = this.#byText.get(key);
    if (stored === undefined) {
      stored = { id: this.#byId.size + 1, schema, schemaType, references };
      this.#byId.set(stored.id, stored);
      this.#byText.set(key, stored);
    }
    const versions = this.#subjects.get(subject) ?? [];
    if (!versions.includes(stored.id)) versions.push(stored.id);
    this.#subjects.set(subject, versions);
    return { id: stored.id, version: versions.indexOf(stored.id) + 1 };
  }

  byId(id: number): StoredSchema | undefined {
    return this.#byId.get(id);
  }

  subjects(): string[] {
    return [...this.#subjects.keys()].sort();
  }

  latest(subject: string): { id: number; version: number; stored: StoredSchema } | undefined {
    const versions = this.#subjects.get(subject);
    if (versions === undefined || versions.length === 0) return undefined;
    const id = versions[versions.length - 1]!;
    return { id, version: versions.length, stored: this.#byId.get(id)! };
  }

  lookup(subject: string, schema: string, schemaType: string): { id: number; version: number } | 'no-subject' | 'no-schema' {
    const versions = this.#subjects.get(subject);
    if (versions === undefined) return 'no-subject';
    const stored = this.#byText.get(`${schemaType}\u0000${canonical(schema)}`);
    if (stored === undefined || !versions.includes(stored.id)) return 'no-schema';
    return { id: stored.id, version: versions.indexOf(stored.id) + 1 };
  }
}

/** Whitespace and key order do not make another schema (the registry compares schemas parsed, too). */
function canonical(schema: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(schema)));
  } catch {
    return schema;
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

export async function startSchemaRegistryStandIn(options: StandInOptions = {}): Promise<SchemaRegistryStandIn> {
  const registry = new Registry();
  const served = { answered: 0, refused: 0 };
  let outage: RegistryOutage | null = null;
  const sockets = new Set<Socket>();
  const unanswered = new Set<ServerResponse>();

  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    if (outage === 'unavailable') {
      served.refused++;
      send(response, 503, { error_code: 50003, message: 'Error while forwarding the request to the leader' });
      return;
    }
    if (outage === 'unanswered') {
      served.refused++;
      unanswered.add(response);
      response.on('close', () => unanswered.delete(response));
      return;
    }
    handle(registry, options, request, response)
      .then(() => { served.answered++; })
      .catch((error: unknown) => send(response, 500, { error_code: 50001, message: error instanceof Error ? error.message : String(error) }));
  };

  const newServer = (): Server => {
    const server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler) : createHttpServer(handler);
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    return server;
  };
  const listen = (server: Server, port: number): Promise<number> => new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  const close = (server: Server): Promise<void> => new Promise((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  });

  let server: Server | null = newServer();
  const port = await listen(server, options.port ?? 0);

  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    served,
    async setOutage(next) {
      for (const response of unanswered) response.destroy();
      unanswered.clear();
      if (next === 'refused' && server !== null) {
        await close(server);
        server = null;
      } else if (next !== 'refused' && server === null) {
        server = newServer();
        await listen(server, port);
      }
      outage = next;
    },
    async stop() {
      for (const response of unanswered) response.destroy();
      if (server !== null) await close(server);
      server = null;
    },
  };
}

async function handle(registry: Registry, options: StandInOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (options.basicAuth && !authorised(request, options.basicAuth)) {
    send(response, 401, { error_code: 401, message: 'Unauthorized' });
    return;
  }
  let body = '';
  for await (const chunk of request) body += String(chunk);
  const path = new URL(request.url ?? '/', 'http://stand-in').pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const method = request.method ?? 'GET';

  if (method === 'GET' && path.length === 3 && path[0] === 'schemas' && path[1] === 'ids') {
    const stored = /^\d+$/.test(path[2]!) ? registry.byId(Number(path[2])) : undefined;
    if (stored === undefined) return send(response, 404, { error_code: 40403, message: `Schema ${path[2]} not found` });
    return send(response, 200, { schema: stored.schema, ...(stored.schemaType === 'AVRO' ? {} : { schemaType: stored.schemaType }), ...(stored.references.length > 0 ? { references: stored.references } : {}) });
  }
  if (method === 'GET' && path.length === 1 && path[0] === 'subjects') return send(response, 200, registry.subjects());
  if (method === 'GET' && path.length === 2 && path[0] === 'config') {
    return send(response, 404, { error_code: 40408, message: `Subject '${path[1]}' does not have subject-level compatibility configured` });
  }
  if (path[0] === 'subjects' && path.length >= 2) {
    const subject = path[1]!;
    if (method === 'POST' && path.length === 3 && path[2] === 'versions') {
      const parsed = parseSchemaBody(body);
      if (parsed === null) return send(response, 422, { error_code: 42201, message: 'Invalid schema' });
      return send(response, 200, { id: registry.register(subject, parsed.schema, parsed.schemaType, parsed.references).id });
    }
    if (method === 'GET' && path.length === 4 && path[2] === 'versions' && path[3] === 'latest') {
      const latest = registry.latest(subject);
      if (latest === undefined) return send(response, 404, { error_code: 40401, message: `Subject '${subject}' not found.` });
      return send(response, 200, { subject, id: latest.id, version: latest.version, schema: latest.stored.schema });
    }
    if (method === 'POST' && path.length === 2) {
      const parsed = parseSchemaBody(body);
      if (parsed === null) return send(response, 422, { error_code: 42201, message: 'Invalid schema' });
      const found = registry.lookup(subject, parsed.schema, parsed.schemaType);
      if (found === 'no-subject') return send(response, 404, { error_code: 40401, message: `Subject '${subject}' not found.` });
      if (found === 'no-schema') return send(response, 404, { error_code: 40403, message: 'Schema not found' });
      return send(response, 200, { subject, id: found.id, version: found.version, schema: parsed.schema });
    }
  }
  send(response, 404, { error_code: 404, message: 'HTTP 404 Not Found' });
}

function parseSchemaBody(body: string): { schema: string; schemaType: string; references: unknown[] } | null {
  try {
    const parsed = JSON.parse(body) as { schema?: unknown; schemaType?: unknown; references?: unknown };
    if (typeof parsed.schema !== 'string') return null;
    const schemaType = typeof parsed.schemaType === 'string' ? parsed.schemaType : 'AVRO';
    if (schemaType === 'AVRO') JSON.parse(parsed.schema);
    return { schema: parsed.schema, schemaType, references: Array.isArray(parsed.references) ? parsed.references : [] };
  } catch {
    return null;
  }
}

function authorised(request: IncomingMessage, expected: { username: string; password: string }): boolean {
  const header = request.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return false;
  return Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8') === `${expected.username}:${expected.password}`;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': CONTENT_TYPE }).end(JSON.stringify(body));
}
