// The live service's configuration: environment variables, with flags where a person would expect them (a flag
// wins over its variable). Parsed once, at start, into a frozen object; every problem is listed at once.
// This module reads neither process.env nor files: main.ts passes the environment in and reads the files named.
import { Command, CommanderError } from 'commander';
import { DEFAULT_TOPICS, topicSetting, writerSchemaSetting } from '../contract/streams.js';
import { STREAM_NAMES, type StreamName } from '../core/records.js';
import { parseDuration } from '../core/duration.js';
import { parseSchemaRegistrySettings, SCHEMA_REGISTRY_HELP, type SchemaRegistrySettings } from '../schema-registry/registry-settings.js';


export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export type ValueEncoding =
  | { readonly kind: 'single-object'; readonly writerSchemasDir: string | null }
  | { readonly kind: 'plain'; readonly writerSchemaFiles: { readonly [S in StreamName]: string } }
  /** Confluent Schema Registry wire format: writer schemas fetched from the registry by id. */
  | { readonly kind: 'confluent' };

export type AlertEncoding = 'single-object' | 'confluent';

export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly ssl: boolean;
  readonly sslCaFile: string | null;
  /** Client certificate and its key (PEM files), for brokers that require mutual TLS; both or neither. */
  readonly sslCertFile: string | null;
  readonly sslKeyFile: string | null;
  readonly sasl: { readonly mechanism: SaslMechanism; readonly username: string; readonly passwordFile: string } | null;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly fetchMaxWaitMs: number;
}

/** How the four input topics are reached and read: what `run` and `export` share. */
export interface KafkaInputSettings {
  readonly kafka: KafkaSettings;
  readonly inputTopics: { readonly [S in StreamName]: string };
  readonly encoding: ValueEncoding;
}

export interface LiveConfig {
  readonly kafka: KafkaSettings;
  readonly topics: { readonly [S in StreamName]: string } & { readonly alerts: string; readonly deadLetter: string };
  readonly encoding: ValueEncoding;
  readonly alertEncoding: AlertEncoding;
  /** Set when the inputs or the alerts are in the confluent encoding. */
  readonly schemaRegistry: SchemaRegistrySettings | null;
  readonly database: DatabaseSettings;
  readonly slaMs: number;
  readonly graceMs: number;
  readonly allowedLatenessMs: number;
  readonly idleTimeoutMs: number;
  /** Stream time never passes the wall clock plus this; a record dated beyond waits in the engine. */
  readonly maxFutureMs: number;
  /** What the live state remembers behind stream time: record ids for duplicates, manifests and settled patients. */
  readonly dedupHorizonMs: number;
  /** How long dead letters are noted in the database. */
  readonly deadLetterRetentionMs: number;
  /** The decider snapshots its engine after this many records (or after 5 minutes with any). */
  readonly snapshotEveryRecords: number;
  readonly pseudonymKeyFile: string;
  /** null: the shipped catalogue (SHIPPED_CATALOGUE_PATH). */
  readonly catalogueFile: string | null;
  readonly metricsPort: number;
  readonly logLevel: LogLevel;
  /** Liveness and transport: how long an input may have lag without progress, where /metrics listens, plaintext. */
  readonly stallTimeoutMs: number;
  readonly metricsHost: string;
  readonly allowPlaintext: boolean;
  /** The key file may be readable by group or others: for a public demo key only. */
  readonly allowOpenKeyFile: boolean;
  /** Names this process in logs and as the decider's leader; default host and process id. */
  readonly instanceName: string | null;
}

export interface DatabaseSettings {
  readonly url: string;
  readonly schema: string;
  readonly migrateOnStart: boolean;
  readonly poolSize: number;
  /** A file holding the password, so that it is in neither the URL nor the process list. */
  readonly passwordFile: string | null;
  readonly statementTimeoutMs: number;
  readonly lockTimeoutMs: number;
}

/** Things that work but that an operator should change: logged at start. */
export type ConfigResult<T> = { readonly ok: true; readonly config: T; readonly warnings: readonly string[] } | { readonly ok: false; readonly problems: readonly string[]; readonly help?: string };

type Env = Readonly<Record<string, string | undefined>>;

export const RUN_HELP = `
Settings (environment variable, flag where there is one, default):
  KAFKA_BROKERS             --brokers              host:port[,host:port...] (required)
  KAFKA_CLIENT_ID           --client-id            optout-verifier
  KAFKA_GROUP_ID            --group                optout-verifier
  TOPIC_GP_EVENTS                                  ${DEFAULT_TOPICS.gpEvents}
  TOPIC_NDS_RECEIVED                               ${DEFAULT_TOPICS.ndsReceived}
  TOPIC_NDS_MANIFESTS                              ${DEFAULT_TOPICS.ndsManifests}
  TOPIC_NDS_DISSEMINATIONS                         ${DEFAULT_TOPICS.ndsDisseminations}
  TOPIC_ALERTS                                     ${DEFAULT_TOPICS.alerts}
  TOPIC_DEADLETTER                                 ${DEFAULT_TOPICS.deadLetter}
  VALUE_ENCODING            --value-encoding       single-object | plain | confluent (single-object)
  WRITER_SCHEMA_GP_EVENTS, WRITER_SCHEMA_NDS_RECEIVED, WRITER_SCHEMA_NDS_MANIFESTS, WRITER_SCHEMA_NDS_DISSEMINATIONS
                                                   .avsc file per topic (required with plain)
  WRITER_SCHEMAS_DIR                               directory of further .avsc writer schemas (older versions) for single-object
  ALERT_VALUE_ENCODING                             single-object | confluent (confluent when VALUE_ENCODING is, else single-object)
${SCHEMA_REGISTRY_HELP}
  KAFKA_SSL                                        true | false (false)
  KAFKA_SSL_CA_FILE                                PEM file of the CA to trust (default: the system's)
  KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE          PEM client certificate and key, for mutual TLS (none)
  KAFKA_SASL_MECHANISM                             plain | scram-sha-256 | scram-sha-512 (none)
  KAFKA_SASL_USERNAME
  KAFKA_SASL_PASSWORD_FILE                         file holding the SASL password
  KAFKA_SESSION_TIMEOUT                            30s (a member silent this long leaves the group)
  KAFKA_HEARTBEAT_INTERVAL                         3s
  KAFKA_FETCH_MAX_WAIT                             500ms (longest wait of a fetch when no record is there)
  DATABASE_URL              --database-url         postgres://user@host:5432/db?sslmode=verify-full (required)
  DATABASE_PASSWORD_FILE                           file holding the database password (none: the URL's or PGPASSWORD)
  DB_STATEMENT_TIMEOUT                             60s (a statement running longer is cancelled and retried)
  DB_LOCK_TIMEOUT                                  10s (a lock waited for longer fails the statement, which is retried)
  DB_SCHEMA                 --db-schema            optout_verifier
  MIGRATE_ON_START          --migrate              apply pending migrations at start (false)
  DB_POOL_SIZE                                     6
  SLA                       --sla                  72h
  GRACE                     --grace                1h
  ALLOWED_LATENESS          --allowed-lateness     1h
  IDLE_TIMEOUT              --idle-timeout         5m
  MAX_FUTURE                                       1h (stream time never passes the wall clock plus this)
  DEDUP_HORIZON                                    90d (ids remembered for duplicates, behind stream time)
  DEAD_LETTER_RETENTION                            90d
  SNAPSHOT_EVERY                                   50000 (records between two snapshots of the decider's engine)
  PSEUDONYM_KEY_FILE        --pseudonym-key-file   key for patient references (required)
  CODE_CATALOGUE_FILE       --catalogue            the shipped schemas/code-catalogue.json
  METRICS_PORT              --metrics-port         9464 (/metrics, /healthz, /readyz)
  METRICS_HOST              --metrics-host         127.0.0.1 (0.0.0.0 in a container, for probes and scrapes)
  STALL_TIMEOUT                                    2m (an input with lag and nothing stored this long: not ready)
  ALLOW_PLAINTEXT                                  true lets Kafka or PostgreSQL connect without TLS (false)
  ALLOW_OPEN_KEY_FILE                              true accepts a key file group or others can read: demo keys only (false)
  LOG_LEVEL                 --log-level            info
  INSTANCE_NAME             --instance             <host>-<pid>
Durations take ms, s, m, h or d.

Exit codes: 0 stopped on SIGTERM or SIGINT; 1 stopped by a failure it cannot retry; 2 bad settings.`;

export const MIGRATE_HELP = `
Runs as the role that owns the schema (DATABASE_URL). After the migrations it grants DB_RUNTIME_ROLE, which must
already exist, exactly what \`run\` needs and revokes the rest; \`run\` then connects as that role.

Exit codes: 0 migrated and granted; 1 a migration or the database failed; 2 bad settings (a runtime role that
does not exist, or that is a superuser or the migrating role itself, included).`;

interface Reader {
  readonly problems: string[];
  readonly warnings: string[];
  text(name: string, flag: unknown, fallback?: string): string | undefined;
}

function reader(env: Env): Reader {
  const problems: string[] = [];
  return {
    problems,
    warnings: [],
    text(name, flag, fallback) {
      if (typeof flag === 'string') return flag.trim();
      const value = env[name]?.trim();
      return value === undefined || value === '' ? fallback : value;
    },
  };
}

function duration(r: Reader, name: string, flagName: string, flag: unknown, fallback: string): number {
  const text = r.text(name, flag, fallback)!;
  const ms = parseDuration(text);
  if (ms === undefined) r.problems.push(`${name}${flagName ? ` (--${flagName})` : ''} '${text}' is not a duration (e.g. 72h, 90m, 30s, 1500ms, 3d)`);
  return ms ?? 0;
}

function integer(r: Reader, name: string, flag: unknown, fallback: string, min: number, max: number): number {
  const text = r.text(name, flag, fallback)!;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) r.problems.push(`${name} '${text}' must be a whole number from ${min} to ${max}`);
  return value;
}

function boolean(r: Reader, name: string, flag: unknown): boolean {
  if (flag === true) return true;
  const text = r.text(name, undefined, 'false')!.toLowerCase();
  if (['true', '1', 'yes'].includes(text)) return true;
  if (['false', '0', 'no'].includes(text)) return false;
  r.problems.push(`${name} '${text}' must be true or false`);
  return false;
}

function required(r: Reader, name: string, flagName: string | null, flag: unknown): string {
  const value = r.text(name, flag);
  if (value === undefined) r.problems.push(`${name}${flagName ? ` (--${flagName})` : ''} is required`);
  return value ?? '';
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const BROKER = /^[^\s:,]+:\d{1,5}$/;

function databaseSettings(r: Reader, o: Record<string, unknown>, statementTimeout: string): DatabaseSettings {
  const url = required(r, 'DATABASE_URL', 'database-url', o.databaseUrl);
  if (url !== '' && !/^postgres(ql)?:\/\//.test(url)) r.problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
  const schema = r.text('DB_SCHEMA', o.dbSchema, 'optout_verifier')!;
  if (!SCHEMA_NAME.test(schema)) r.problems.push(`DB_SCHEMA '${schema}' must be a lower-case SQL identifier (letters, digits, _)`);
  const poolSize = integer(r, 'DB_POOL_SIZE', undefined, '6', 2, 100);
  return { url, schema, migrateOnStart: boolean(r, 'MIGRATE_ON_START', o.migrate), poolSize, ...databaseTransport(r, o, url, statementTimeout) };
}

// --- Liveness and transport settings --------------------------------------------------------------------------

/** PostgreSQL connects over TLS when the URL asks for it: node-postgres then requires TLS (it never falls back). */
const TLS_SSLMODES = new Set(['prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']);

export interface DatabaseTls {
  /** false: the connection is plaintext. */
  readonly tls: boolean;
  readonly sslmode: string | null;
  /** A Unix socket never leaves the host: no TLS needed. */
  readonly socket: boolean;
}

/** What the URL says about TLS, without reading the files it names. */
export function databaseTls(url: string): DatabaseTls {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { tls: false, sslmode: null, socket: false };
  }
  const params = parsed.searchParams;
  const sslmode = params.get('sslmode');
  const host = params.get('host') ?? decodeURIComponent(parsed.hostname);
  const socket = host.startsWith('/');
  if (sslmode === 'disable') return { tls: false, sslmode, socket };
  const tls = (sslmode !== null && TLS_SSLMODES.has(sslmode)) || ['true', '1'].includes(params.get('ssl') ?? '')
    || ['sslrootcert', 'sslcert', 'sslkey'].some((p) => params.has(p));
  return { tls, sslmode, socket };
}

/** The URL with its password, if any, replaced: for logs. */
export function redactedDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = 'REDACTED';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}

function databaseTransport(r: Reader, o: Record<string, unknown>, url: string, statementTimeout: string): Pick<DatabaseSettings, 'passwordFile' | 'statementTimeoutMs' | 'lockTimeoutMs'> {
  const passwordFile = r.text('DATABASE_PASSWORD_FILE', undefined) ?? null;
  let urlPassword = false;
  try {
    urlPassword = new URL(url).password !== '';
  } catch { /* reported above */ }
  if (urlPassword && passwordFile !== null) r.problems.push('DATABASE_URL carries a password and DATABASE_PASSWORD_FILE is set: give the password once, in the file');
  if (urlPassword) {
    r.warnings.push(typeof o.databaseUrl === 'string'
      ? '--database-url carries a password, which any user of this host can read in the process list: put it in DATABASE_PASSWORD_FILE'
      : 'DATABASE_URL carries a password: put it in DATABASE_PASSWORD_FILE, a file only the service can read');
  }
  const statementTimeoutMs = duration(r, 'DB_STATEMENT_TIMEOUT', '', undefined, statementTimeout);
  const lockTimeoutMs = duration(r, 'DB_LOCK_TIMEOUT', '', undefined, '10s');
  if (statementTimeoutMs === 0 || lockTimeoutMs === 0) r.problems.push('DB_STATEMENT_TIMEOUT and DB_LOCK_TIMEOUT must be more than 0 (a statement must never wait for ever)');
  return { passwordFile, statementTimeoutMs, lockTimeoutMs };
}

/** Refuses a plaintext connection unless ALLOW_PLAINTEXT=true: records and alerts are patient data. */
function refusePlaintext(r: Reader, database: DatabaseSettings | null, kafkaSsl: boolean | null): boolean {
  const allowPlaintext = boolean(r, 'ALLOW_PLAINTEXT', undefined);
  if (allowPlaintext) return true;
  const db = databaseTls(database?.url ?? '');
  if (database !== null && database.url !== '' && !db.tls && !db.socket) {
    r.problems.push(`DATABASE_URL connects to PostgreSQL without TLS (sslmode ${db.sslmode ?? 'not set'}): add sslmode=verify-full and sslrootcert=<CA file>, or set ALLOW_PLAINTEXT=true on a machine where plaintext is acceptable`);
  }
  if (kafkaSsl === false) r.problems.push('KAFKA_SSL is not true: the connection to Kafka would be plaintext; set KAFKA_SSL=true, or ALLOW_PLAINTEXT=true on a machine where plaintext is acceptable');
  return false;
}

function kafkaClientCertificate(r: Reader, ssl: boolean): { sslCertFile: string | null; sslKeyFile: string | null } {
  const sslCertFile = r.text('KAFKA_SSL_CERT_FILE', undefined) ?? null;
  const sslKeyFile = r.text('KAFKA_SSL_KEY_FILE', undefined) ?? null;
  if ((sslCertFile === null) !== (sslKeyFile === null)) r.problems.push('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together: give both or neither');
  if ((sslCertFile !== null || sslKeyFile !== null) && !ssl) r.problems.push('KAFKA_SSL_CERT_FILE or KAFKA_SSL_KEY_FILE is set but KAFKA_SSL is not true');
  return { sslCertFile, sslKeyFile };
}

function livenessSettings(r: Reader, o: Record<string, unknown>): { stallTimeoutMs: number; metricsHost: string } {
  const stallTimeoutMs = duration(r, 'STALL_TIMEOUT', '', undefined, '2m');
  if (stallTimeoutMs === 0) r.problems.push('STALL_TIMEOUT must be more than 0');
  const metricsHost = r.text('METRICS_HOST', o.metricsHost, '127.0.0.1')!;
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(metricsHost)) r.problems.push(`METRICS_HOST '${metricsHost}' is not a host name or address`);
  return { stallTimeoutMs, metricsHost };
}

// ----------------------------------------------------------------------------------------------------------------

function commandFor(name: string): Command {
  return new Command(name)
    .exitOverride()
    .allowExcessArguments(false)
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
}

type Flags = { readonly ok: true; readonly values: Record<string, unknown> } | { readonly ok: false; readonly problems: string[]; readonly help?: string };

function parseFlags(program: Command, argv: readonly string[], helpAfter = ''): Flags {
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return { ok: false, problems: [], help: `${program.helpInformation()}${helpAfter}\n` };
      return { ok: false, problems: [error.message.replace(/^error: /, '')] };
    }
    throw error;
  }
  return { ok: true, values: program.opts<Record<string, unknown>>() };
}

function topicName(r: Reader, name: string, fallback: string): string {
  const value = r.text(name, undefined, fallback)!;
  if (!TOPIC_NAME.test(value)) r.problems.push(`${name} '${value}' is not a legal Kafka topic name`);
  return value;
}

/** The Kafka settings `run` and `export` share (flags: brokers, clientId, group, valueEncoding). */
function kafkaInputSettings(r: Reader, o: Record<string, unknown>): KafkaInputSettings {
  const brokersText = required(r, 'KAFKA_BROKERS', 'brokers', o.brokers);
  const brokers = brokersText.split(',').map((b) => b.trim()).filter(Boolean);
  for (const broker of brokers) if (!BROKER.test(broker)) r.problems.push(`KAFKA_BROKERS: '${broker}' is not host:port`);

  const inputTopics = {} as Record<StreamName, string>;
  for (const stream of STREAM_NAMES) inputTopics[stream] = topicName(r, topicSetting(stream), DEFAULT_TOPICS[stream]);

  const encodingText = r.text('VALUE_ENCODING', o.valueEncoding, 'single-object')!;
  let encoding: ValueEncoding = { kind: 'single-object', writerSchemasDir: r.text('WRITER_SCHEMAS_DIR', undefined) ?? null };
  if (encodingText === 'plain') {
    const files = {} as Record<StreamName, string>;
    for (const stream of STREAM_NAMES) files[stream] = required(r, writerSchemaSetting(stream), null, undefined);
    encoding = { kind: 'plain', writerSchemaFiles: files };
  } else if (encodingText === 'confluent') {
    encoding = { kind: 'confluent' };
    if (r.text('WRITER_SCHEMAS_DIR', undefined) !== undefined) r.problems.push('WRITER_SCHEMAS_DIR applies to single-object; with confluent the registry holds the writer schemas');
  } else if (encodingText !== 'single-object') {
    r.problems.push(`VALUE_ENCODING '${encodingText}' must be single-object, plain or confluent`);
  }

  const ssl = boolean(r, 'KAFKA_SSL', undefined);
  const sslCaFile = r.text('KAFKA_SSL_CA_FILE', undefined) ?? null;
  if (sslCaFile !== null && !ssl) r.problems.push('KAFKA_SSL_CA_FILE is set but KAFKA_SSL is not true');
  const clientCertificate = kafkaClientCertificate(r, ssl);
  const mechanism = r.text('KAFKA_SASL_MECHANISM', undefined)?.toLowerCase();
  let sasl: KafkaSettings['sasl'] = null;
  if (mechanism !== undefined) {
    if (mechanism !== 'plain' && mechanism !== 'scram-sha-256' && mechanism !== 'scram-sha-512') {
      r.problems.push(`KAFKA_SASL_MECHANISM '${mechanism}' must be plain, scram-sha-256 or scram-sha-512`);
    }
    const username = required(r, 'KAFKA_SASL_USERNAME', null, undefined);
    const passwordFile = required(r, 'KAFKA_SASL_PASSWORD_FILE', null, undefined);
    sasl = { mechanism: mechanism as SaslMechanism, username, passwordFile };
  } else if (r.text('KAFKA_SASL_USERNAME', undefined) !== undefined || r.text('KAFKA_SASL_PASSWORD_FILE', undefined) !== undefined) {
    r.problems.push('KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD_FILE is set but KAFKA_SASL_MECHANISM is not');
  }

  const sessionTimeoutMs = duration(r, 'KAFKA_SESSION_TIMEOUT', '', undefined, '30s');
  const heartbeatIntervalMs = duration(r, 'KAFKA_HEARTBEAT_INTERVAL', '', undefined, '3s');
  const fetchMaxWaitMs = duration(r, 'KAFKA_FETCH_MAX_WAIT', '', undefined, '500ms');
  if (heartbeatIntervalMs >= sessionTimeoutMs) r.problems.push('KAFKA_HEARTBEAT_INTERVAL must be shorter than KAFKA_SESSION_TIMEOUT');
  const kafka = {
    brokers, clientId: r.text('KAFKA_CLIENT_ID', o.clientId, 'optout-verifier')!, groupId: r.text('KAFKA_GROUP_ID', o.group, 'optout-verifier')!,
    ssl, sslCaFile, ...clientCertificate, sasl, sessionTimeoutMs, heartbeatIntervalMs, fetchMaxWaitMs,
  };
  return { kafka, inputTopics, encoding };
}

export interface KafkaInputConfig extends KafkaInputSettings {
  /** Set with VALUE_ENCODING=confluent: the registry holds the writer schemas. */
  readonly schemaRegistry: SchemaRegistrySettings | null;
  readonly allowPlaintext: boolean;
}

/**
 * The Kafka settings alone, read exactly as `run` reads them, for a command that reads the input topics and needs
 * no database or key (`export`). `flags` are commander's values of --brokers, --client-id, --value-encoding.
 */
export function parseKafkaInputConfig(flags: Record<string, unknown>, env: Env): ConfigResult<KafkaInputConfig> {
  const r = reader(env);
  const inputs = kafkaInputSettings(r, flags);
  const names = Object.values(inputs.inputTopics);
  if (new Set(names).size !== names.length) r.problems.push('the four input topics must all be different');
  const schemaRegistry = parseSchemaRegistrySettings(env, inputs.encoding.kind === 'confluent' ? 'VALUE_ENCODING=confluent' : null, r.problems);
  const allowPlaintext = refusePlaintext(r, null, inputs.kafka.ssl);
  if (r.problems.length > 0) return { ok: false, problems: r.problems };
  return { ok: true, warnings: r.warnings, config: deepFreeze({ ...inputs, schemaRegistry, allowPlaintext }) };
}

/** `optout-verifier run`: everything the service needs. */
export function parseLiveConfig(argv: readonly string[], env: Env): ConfigResult<LiveConfig> {
  const program = commandFor('optout-verifier run')
    .description('The live verifier: consumes the four input topics, keeps its state in PostgreSQL, publishes alerts.')
    .option('--brokers <list>', 'Kafka bootstrap brokers, comma-separated (KAFKA_BROKERS)')
    .option('--client-id <id>', 'Kafka client id (KAFKA_CLIENT_ID)')
    .option('--group <id>', 'Kafka consumer group (KAFKA_GROUP_ID)')
    .option('--value-encoding <kind>', 'single-object, plain or confluent (VALUE_ENCODING)')
    .option('--database-url <url>', 'PostgreSQL URL (DATABASE_URL)')
    .option('--db-schema <name>', 'PostgreSQL schema for the state (DB_SCHEMA)')
    .option('--migrate', 'apply pending migrations before starting (MIGRATE_ON_START)')
    .option('--sla <duration>', 'time allowed for an opt-out to reach the national data service (SLA)')
    .option('--grace <duration>', 'grace after a manifest check and for downstream-caused episodes (GRACE)')
    .option('--allowed-lateness <duration>', 'how far behind the latest event time a record may arrive and still be on time (ALLOWED_LATENESS)')
    .option('--idle-timeout <duration>', 'a partition with no record for this long stops holding stream time back (IDLE_TIMEOUT)')
    .option('--pseudonym-key-file <file>', 'key for patient references (PSEUDONYM_KEY_FILE)')
    .option('--catalogue <file>', 'code catalogue JSON (CODE_CATALOGUE_FILE)')
    .option('--metrics-port <port>', 'port of /metrics, /healthz and /readyz (METRICS_PORT)')
    .option('--metrics-host <host>', 'address /metrics, /healthz and /readyz listen on (METRICS_HOST)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (LOG_LEVEL)')
    .option('--instance <name>', 'name of this process in logs and leadership (INSTANCE_NAME)');
  const flags = parseFlags(program, argv, RUN_HELP);
  if (!flags.ok) return flags;
  const o = flags.values;
  const r = reader(env);

  const { kafka, inputTopics, encoding } = kafkaInputSettings(r, o);
  const topics = {
    ...inputTopics,
    alerts: topicName(r, 'TOPIC_ALERTS', DEFAULT_TOPICS.alerts),
    deadLetter: topicName(r, 'TOPIC_DEADLETTER', DEFAULT_TOPICS.deadLetter),
  };
  const names = Object.values(topics);
  if (new Set(names).size !== names.length) r.problems.push('the six topics (four inputs, alerts, dead letters) must all be different');
  const alertEncoding = r.text('ALERT_VALUE_ENCODING', undefined, encoding.kind === 'confluent' ? 'confluent' : 'single-object') as AlertEncoding;
  if (alertEncoding !== 'single-object' && alertEncoding !== 'confluent') r.problems.push(`ALERT_VALUE_ENCODING '${String(alertEncoding)}' must be single-object or confluent`);
  const registryWanted = encoding.kind === 'confluent' ? 'VALUE_ENCODING=confluent' : alertEncoding === 'confluent' ? 'ALERT_VALUE_ENCODING=confluent' : null;
  const schemaRegistry = parseSchemaRegistrySettings(env, registryWanted, r.problems);

  const database = databaseSettings(r, o, '60s');
  const allowPlaintext = refusePlaintext(r, database, kafka.ssl);
  const liveness = livenessSettings(r, o);
  const slaMs = duration(r, 'SLA', 'sla', o.sla, '72h');
  const graceMs = duration(r, 'GRACE', 'grace', o.grace, '1h');
  const allowedLatenessMs = duration(r, 'ALLOWED_LATENESS', 'allowed-lateness', o.allowedLateness, '1h');
  const idleTimeoutMs = duration(r, 'IDLE_TIMEOUT', 'idle-timeout', o.idleTimeout, '5m');
  if (idleTimeoutMs === 0) r.problems.push('IDLE_TIMEOUT must be more than 0');
  const maxFutureMs = duration(r, 'MAX_FUTURE', '', undefined, '1h');
  const dedupHorizonMs = duration(r, 'DEDUP_HORIZON', '', undefined, '90d');
  const deadLetterRetentionMs = duration(r, 'DEAD_LETTER_RETENTION', '', undefined, '90d');
  const snapshotEveryRecords = integer(r, 'SNAPSHOT_EVERY', undefined, '50000', 1, 100_000_000);
  const pseudonymKeyFile = required(r, 'PSEUDONYM_KEY_FILE', 'pseudonym-key-file', o.pseudonymKeyFile);
  const metricsPort = integer(r, 'METRICS_PORT', o.metricsPort, '9464', 0, 65535);
  const logLevel = r.text('LOG_LEVEL', o.logLevel, 'info')!.toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) r.problems.push(`LOG_LEVEL '${logLevel}' must be one of ${LOG_LEVELS.join(', ')}`);

  if (r.problems.length > 0) return { ok: false, problems: r.problems };
  return {
    ok: true,
    warnings: r.warnings,
    config: deepFreeze({
      kafka, topics, encoding, alertEncoding, schemaRegistry, database, slaMs, graceMs, allowedLatenessMs, idleTimeoutMs, maxFutureMs, dedupHorizonMs,
      deadLetterRetentionMs, snapshotEveryRecords, pseudonymKeyFile,
      catalogueFile: r.text('CODE_CATALOGUE_FILE', o.catalogue) ?? null,
      metricsPort, logLevel, instanceName: r.text('INSTANCE_NAME', o.instance) ?? null,
      ...liveness, allowPlaintext, allowOpenKeyFile: boolean(r, 'ALLOW_OPEN_KEY_FILE', undefined),
    }),
  };
}

export interface MigrateConfig {
  readonly database: DatabaseSettings;
  /** Needed by a migration that pseudonymises stored records (003 on a schema holding records); null if not given. */
  readonly pseudonymKeyFile: string | null;
  /** The role `run` connects as, granted exactly what it needs. */
  readonly runtimeRole: string;
  readonly allowOpenKeyFile: boolean;
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** `optout-verifier migrate`: only the database settings. */
export function parseMigrateConfig(argv: readonly string[], env: Env): ConfigResult<MigrateConfig> {
  const program = commandFor('optout-verifier migrate')
    .description('Applies the live service\'s pending PostgreSQL migrations, in order, and exits.')
    .option('--database-url <url>', 'PostgreSQL URL (DATABASE_URL)')
    .option('--db-schema <name>', 'PostgreSQL schema for the state (DB_SCHEMA, default optout_verifier)')
    .option('--pseudonym-key-file <path>', 'key of the patient references (PSEUDONYM_KEY_FILE): needed to pseudonymise records stored by an older version')
    .option('--runtime-role <role>', 'existing role that `run` connects as, granted exactly what it needs (DB_RUNTIME_ROLE)');
  const flags = parseFlags(program, argv, MIGRATE_HELP);
  if (!flags.ok) return flags;
  const r = reader(env);
  // A migration may rewrite a large table: its statements get longer (DB_STATEMENT_TIMEOUT still wins when set).
  const database = databaseSettings(r, flags.values, '1h');
  refusePlaintext(r, database, null);
  const pseudonymKeyFile = r.text('PSEUDONYM_KEY_FILE', flags.values.pseudonymKeyFile) ?? null;
  const runtimeRole = required(r, 'DB_RUNTIME_ROLE', 'runtime-role', flags.values.runtimeRole);
  if (runtimeRole !== '' && !ROLE_NAME.test(runtimeRole)) r.problems.push(`DB_RUNTIME_ROLE '${runtimeRole}' must be a lower-case SQL identifier (letters, digits, _)`);
  const allowOpenKeyFile = boolean(r, 'ALLOW_OPEN_KEY_FILE', undefined);
  if (r.problems.length > 0) return { ok: false, problems: r.problems };
  return { ok: true, warnings: r.warnings, config: deepFreeze({ database, pseudonymKeyFile, runtimeRole, allowOpenKeyFile }) };
}

export interface AuditConfig {
  readonly database: DatabaseSettings;
}

/** `optout-verifier audit verify`: the database as `run` reaches it (DATABASE_URL, DB_SCHEMA and their kin). */
export function parseAuditConfig(argv: readonly string[], env: Env): ConfigResult<AuditConfig> {
  const program = commandFor('optout-verifier audit verify')
    .description('Recomputes the hash chain of the alert history and checks each alert against its last logged change.')
    .option('--database-url <url>', 'PostgreSQL URL (DATABASE_URL)')
    .option('--db-schema <name>', 'PostgreSQL schema of the state (DB_SCHEMA, default optout_verifier)');
  const flags = parseFlags(program, argv, AUDIT_HELP);
  if (!flags.ok) return flags;
  const r = reader(env);
  const database = databaseSettings(r, flags.values, '1h');
  refusePlaintext(r, database, null);
  if (r.problems.length > 0) return { ok: false, problems: r.problems };
  return { ok: true, warnings: r.warnings, config: deepFreeze({ database }) };
}

export const AUDIT_HELP = `
Reads the alert history (alert_log) in position order and recomputes each hash: SHA-256(previous hash || the
change's canonical form), 32 zero bytes before position 1. Then checks that each alert in the alerts table is its
last logged change. Any role with SELECT on alert_log and alerts can run it (the runtime role can).

Exit codes: 0 intact (one line: rows and head hash); 1 broken (the first broken position, and why); 2 bad
settings; 3 the database cannot be read.`;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
