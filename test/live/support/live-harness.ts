// What a live-service test sets up: its own topics, consumer group, database schema and pseudonym key; the
// service in this process or as a child process (`optout-verifier run`); and ways to watch it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, Partitioners, type Producer } from 'kafkajs';
import pg from 'pg';
import { destination, pino } from 'pino';
import { Registry } from 'prom-client';
import { parseLiveConfig } from '../../../services/live/config.js';
import { readDeploymentFiles } from '../../../services/live/deployment-files.js';
import { startLiveService, type LiveService } from '../../../services/live/live-service.js';
import { migrate } from '../../../services/live/store/migration-runner.js';
import { STREAM_NAMES, type StreamName } from '../../../services/core/records.js';
import { captureKafkaLogs, type FreshSchema, type TestStack } from '../../stack/test-context.js';
import { createRuntimeRole, type RuntimeRole } from './runtime-role.js';
import type { ScenarioMessage } from './scenario.js';
import { CLI_ENTRY } from '../../stack/cli-entry.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface LiveSetup {
  readonly dir: string;
  readonly brokers: readonly string[];
  readonly topics: { readonly [S in StreamName]: string } & { readonly alerts: string; readonly deadLetter: string };
  readonly groupId: string;
  readonly schema: FreshSchema;
  /** What the service connects with: the runtime role's URL, as in a deployment, unless the test asked for the owner. */
  readonly databaseUrl: string;
  /** The schema owner's URL (no search path): what migrates, and what a test inspects the whole schema with. */
  readonly ownerUrl: string;
  /** The role `migrate` granted the service's privileges to; null when the service runs as the schema's owner. */
  readonly runtimeRole: RuntimeRole | null;
  readonly keyFile: string;
  readonly partitions: number;
  readonly db: pg.Client;
  readonly kafka: Kafka;
  cleanUp(): Promise<void>;
}

/** A schema of its own on another server than the stack's (a test's own PostgreSQL cluster). */
async function schemaOn(url: string, schema: string): Promise<FreshSchema> {
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE SCHEMA ${schema}`);
  const withSearchPath = new URL(url);
  withSearchPath.searchParams.set('options', `-c search_path=${schema}`);
  return { schema, databaseUrl: withSearchPath.toString(), drop: () => run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}

export async function prepareLive(stack: TestStack, options: {
  partitions: number; brokers?: readonly string[]; createTopics?: (names: string[], partitions: number) => Promise<void>;
  /** Another PostgreSQL server than the stack's. */
  databaseUrl?: string;
  /**
   * The service runs as a role of its own that `migrate` grants exactly what it needs, as a deployment does; the
   * owner (the stack's user) only migrates and inspects. false: the service runs as the owner.
   */
  runtimeRole?: boolean;
}): Promise<LiveSetup> {
  const dir = await mkdtemp(join(tmpdir(), 'optout-live-'));
  const name = (prefix: string) => stack.uniqueName(prefix);
  const topics = {
    gpEvents: name('gp.optout.events'), ndsReceived: name('nds.objections.received'), ndsManifests: name('nds.extracts.received'),
    ndsDisseminations: name('nds.disseminations'), alerts: name('optout.alerts'), deadLetter: name('optout.deadletter'),
  };
  const create = options.createTopics ?? stack.createTopics;
  await create(STREAM_NAMES.map((s) => topics[s]), options.partitions);
  await create([topics.alerts, topics.deadLetter], 3);
  const databaseUrl = options.databaseUrl ?? stack.databaseUrl;
  const schema = options.databaseUrl === undefined ? await stack.freshSchema() : await schemaOn(options.databaseUrl, stack.uniqueName('test'));
  const runtimeRole = options.runtimeRole === false ? null : await createRuntimeRole(stack, databaseUrl);
  await migrate(databaseUrl, schema.schema, runtimeRole ? { runtimeRole: runtimeRole.name } : {});
  const keyFile = join(dir, 'pseudonym.key');
  await writeFile(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  const db = new pg.Client({ connectionString: schema.databaseUrl });
  // A server that goes away (a test crashing it) ends this client; that is no failure of the test by itself.
  db.on('error', () => {});
  await db.connect();
  const logs = captureKafkaLogs();
  const brokers = options.brokers ?? stack.brokers;
  const kafka = new Kafka({ clientId: 'live-test', brokers: [...brokers], logLevel: logs.logLevel, logCreator: logs.logCreator, retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 30 } });
  return {
    dir, brokers, topics, groupId: name('verifier'), schema, databaseUrl: runtimeRole?.databaseUrl ?? databaseUrl, ownerUrl: databaseUrl, runtimeRole,
    keyFile, partitions: options.partitions, db, kafka,
    cleanUp: async () => {
      await db.end().catch(() => {});
      await schema.drop().catch(() => {});
      await runtimeRole?.drop().catch(() => {});
    },
  };
}

/** The service's settings for a test, as environment variables. */
export function liveEnv(setup: LiveSetup, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: setup.brokers.join(','),
    KAFKA_GROUP_ID: setup.groupId,
    KAFKA_CLIENT_ID: 'optout-verifier-test',
    TOPIC_GP_EVENTS: setup.topics.gpEvents,
    TOPIC_NDS_RECEIVED: setup.topics.ndsReceived,
    TOPIC_NDS_MANIFESTS: setup.topics.ndsManifests,
    TOPIC_NDS_DISSEMINATIONS: setup.topics.ndsDisseminations,
    TOPIC_ALERTS: setup.topics.alerts,
    TOPIC_DEADLETTER: setup.topics.deadLetter,
    DATABASE_URL: setup.databaseUrl,
    DB_SCHEMA: setup.schema.schema,
    PSEUDONYM_KEY_FILE: setup.keyFile,
    METRICS_PORT: '0',
    LOG_LEVEL: 'info',
    // Group joins on librdkafka's mock cluster wait about a session timeout; 6 s is the least a broker accepts.
    KAFKA_SESSION_TIMEOUT: '6s',
    KAFKA_HEARTBEAT_INTERVAL: '1s',
    KAFKA_FETCH_MAX_WAIT: '200ms',
    IDLE_TIMEOUT: '2s',
    // The test stack is on this machine: a mock cluster without TLS and the local PostgreSQL (verify-full is tested
    // against a TLS server of its own in test/live/postgres-tls.test.ts).
    ALLOW_PLAINTEXT: 'true',
    ...overrides,
  };
}

export interface InProcessService {
  readonly service: LiveService;
  readonly registry: Registry;
  readonly logFile: string;
}

/** The service in this process, configured through the same parser as `run`, logging to a file in the test's directory. */
export async function startInProcess(setup: LiveSetup, env: Record<string, string>, instance = 'in-process'): Promise<InProcessService> {
  const parsed = parseLiveConfig([], env);
  if (!parsed.ok) throw new Error(`settings: ${parsed.problems.join('; ')}`);
  const files = await readDeploymentFiles(parsed.config);
  if (!files.ok) throw new Error(`files: ${files.problems.join('; ')}`);
  const logFile = join(setup.dir, `${instance}.log`);
  const logger = pino({ level: 'info', base: { instance } }, destination({ dest: logFile, sync: true }));
  const registry = new Registry();
  const service = await startLiveService(parsed.config, files.files, { logger, registry, build: { version: 'test' }, instanceName: instance });
  return { service, registry, logFile };
}

export interface ChildService {
  readonly child: ChildProcess;
  readonly logFile: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `optout-verifier run` as a child process, its output appended to a log file. */
export function spawnService(setup: LiveSetup, env: Record<string, string>, instance: string): ChildService {
  const logFile = join(setup.dir, `${instance}.log`);
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [...CLI_ENTRY, 'run'], {
    cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env, INSTANCE_NAME: instance }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(out, { end: false });
  child.stderr!.pipe(out, { end: false });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, logFile, exited };
}

/** Produces the messages in the order given, each keyed as the contract says (the default partitioner places it). */
export async function produce(setup: LiveSetup, messages: readonly ScenarioMessage[], producer?: Producer): Promise<void> {
  const own = producer ?? setup.kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  if (!producer) await own.connect();
  try {
    for (let i = 0; i < messages.length; i += 500) {
      const chunk = messages.slice(i, i + 500);
      const byTopic = new Map<string, { key: string; value: Buffer }[]>();
      for (const m of chunk) {
        const topic = setup.topics[m.stream];
        const list = byTopic.get(topic) ?? [];
        list.push({ key: m.key, value: m.value });
        byTopic.set(topic, list);
      }
      await own.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })) });
    }
  } finally {
    if (!producer) await own.disconnect();
  }
}

export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
