// The live service's configuration: environment variables, with flags where a person would expect them (a flag
// wins over its variable). Parsed once, at start, into a frozen object; every problem is listed at once. The
// settings are rows of tables (run-settings.ts, kafka-settings.ts, database-settings.ts); this module checks that
// the tables fit the configuration types, derives the commands' flags and help from them, and adds the checks that
// span several settings. It reads neither process.env nor files: main.ts passes the environment in and reads the
// files named.
import { Command, CommanderError } from 'commander';
import { readSchemaRegistrySettings, type SchemaRegistrySettings } from '../schema-registry/registry-settings.js';
import type { EveryFieldHasARow, RowOf, Setting } from '../settings/setting.js';
import { flagOptions, settingsHelp } from '../settings/settings-doc.js';
import { SettingsReader, type Env, type FlagValues } from '../settings/settings-reader.js';
import type { StreamName } from '../core/records.js';
import { checkDatabase, DATABASE_URL, refusePlaintext, type AdminDatabaseSettings, type DatabaseSettings } from './database-settings.js';
import { ALERT_VALUE_ENCODING, distinctTopics, kafkaTransport, valueEncoding, type AlertEncoding, type KafkaSettings, type ValueEncoding } from './kafka-settings.js';
import { AUDIT_SETTINGS, IDLE_TIMEOUT, KAFKA_INPUT_SETTINGS, MIGRATE_SETTINGS, RUN_SETTINGS, STALL_TIMEOUT, type LogLevel } from './run-settings.js';

export type { AdminDatabaseSettings, DatabaseSettings, DatabaseTls } from './database-settings.js';
export { databaseTls, redactedDatabaseUrl } from './database-settings.js';
export type { AlertEncoding, KafkaSettings, SaslMechanism, ValueEncoding } from './kafka-settings.js';
export type { LogLevel } from './run-settings.js';
/** The rows `export` reads, for its flags and help. */
export { KAFKA_INPUT_SETTINGS } from './run-settings.js';

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
  readonly standbyWarm: boolean;
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

export interface KafkaInputConfig extends KafkaInputSettings {
  /** Set with VALUE_ENCODING=confluent: the registry holds the writer schemas. */
  readonly schemaRegistry: SchemaRegistrySettings | null;
  readonly allowPlaintext: boolean;
}

export interface MigrateConfig {
  readonly database: AdminDatabaseSettings;
  /** Needed by a migration that pseudonymises stored records (003 on a schema holding records); null if not given. */
  readonly pseudonymKeyFile: string | null;
  /** The role `run` connects as, granted exactly what it needs. */
  readonly runtimeRole: string;
  readonly allowOpenKeyFile: boolean;
  readonly allowPlaintext: boolean;
}

export interface AuditConfig {
  readonly database: AdminDatabaseSettings;
  readonly allowPlaintext: boolean;
}

// The compiler's check of the tables: each row's path is a field of its configuration and its parser yields that
// field's type (RowOf), and every field has a row (EveryFieldHasARow). An error here names the row or the field.
const RUN_TABLE: readonly RowOf<LiveConfig>[] = RUN_SETTINGS;
const KAFKA_INPUT_TABLE: readonly RowOf<KafkaInputConfig>[] = KAFKA_INPUT_SETTINGS;
const MIGRATE_TABLE: readonly RowOf<MigrateConfig>[] = MIGRATE_SETTINGS;
const AUDIT_TABLE: readonly RowOf<AuditConfig>[] = AUDIT_SETTINGS;
const _everyRunField: EveryFieldHasARow<LiveConfig, typeof RUN_SETTINGS> = true;
const _everyKafkaInputField: EveryFieldHasARow<KafkaInputConfig, typeof KAFKA_INPUT_SETTINGS> = true;
const _everyMigrateField: EveryFieldHasARow<MigrateConfig, typeof MIGRATE_SETTINGS> = true;
const _everyAuditField: EveryFieldHasARow<AuditConfig, typeof AUDIT_SETTINGS> = true;

/** Things that work but that an operator should change: logged at start. */
export type ConfigResult<T> = { readonly ok: true; readonly config: T; readonly warnings: readonly string[] } | { readonly ok: false; readonly problems: readonly string[]; readonly help?: string };

export const RUN_HELP = `
${settingsHelp(RUN_TABLE)}
Durations take ms, s, m, h or d, with decimals (1.5h, 0.5d) when they come to whole milliseconds.

Exit codes: 0 stopped on SIGTERM or SIGINT; 1 stopped by a failure it cannot retry; 2 bad settings.`;

export const MIGRATE_HELP = `
${settingsHelp(MIGRATE_TABLE)}

Runs as the role that owns the schema (DATABASE_URL). After the migrations it grants DB_RUNTIME_ROLE, which must
already exist, exactly what \`run\` needs and revokes the rest; \`run\` then connects as that role.

Exit codes: 0 migrated and granted; 1 a migration or the database failed; 2 bad settings (a runtime role that
does not exist, or that is a superuser or the migrating role itself, included).`;

export const AUDIT_HELP = `
Reads the alert history (alert_log) in position order and recomputes each hash: SHA-256(previous hash || the
change's canonical form), 32 zero bytes before position 1. Then checks that each alert in the alerts table is its
last logged change. Any role with SELECT on alert_log and alerts can run it (the runtime role can).

Exit codes: 0 intact (one line: rows and head hash); 1 broken (the first broken position, and why); 2 bad
settings; 3 the database cannot be read.`;

/** A command whose flags are a table's, that reports instead of exiting or printing (main.ts prints). */
export function settingsCommand(name: string, description: string, table: readonly Setting[]): Command {
  const program = new Command(name)
    .description(description)
    .exitOverride()
    .allowExcessArguments(false)
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  for (const option of flagOptions(table)) program.addOption(option);
  return program;
}

export type Flags = { readonly ok: true; readonly values: FlagValues } | { readonly ok: false; readonly problems: string[]; readonly help?: string };

/** The flags' values, or commander's one problem, or the help (with `helpAfter`) for --help. */
export function parseFlags(program: Command, argv: readonly string[], helpAfter = ''): Flags {
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

function result<T>(s: SettingsReader, config: () => T): ConfigResult<T> {
  const problems = s.problems();
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, warnings: s.warnings, config: deepFreeze(config()) };
}

/** The values of the rows that are one setting each, as the configuration holds them. */
type Simple<C extends { readonly kafka: KafkaSettings }> = Omit<C, 'kafka' | 'encoding' | 'alertEncoding' | 'schemaRegistry'> & { readonly kafka: Omit<KafkaSettings, 'sasl'> };
/** What is assembled from several settings: SASL (null without a mechanism), the encoding (a choice of shapes), the registry. */
const ASSEMBLED = ['kafka.sasl', 'encoding', 'alertEncoding', 'schemaRegistry'];

/**
 * The Kafka settings alone, read exactly as `run` reads them, for a command that reads the input topics and needs
 * no database or key (`export`). `flags` are commander's values of the flags of KAFKA_INPUT_SETTINGS.
 */
export function parseKafkaInputConfig(flags: FlagValues, env: Env): ConfigResult<KafkaInputConfig> {
  const s = new SettingsReader(KAFKA_INPUT_TABLE, env, flags);
  const simple = s.build(ASSEMBLED) as unknown as Simple<KafkaInputConfig>;
  const { sasl } = kafkaTransport(s);
  distinctTopics(s, simple.inputTopics, 'four input topics');
  const encoding = valueEncoding(s);
  const schemaRegistry = readSchemaRegistrySettings(s, encoding.kind === 'confluent' ? 'VALUE_ENCODING=confluent' : null);
  refusePlaintext(s, null, simple.kafka.ssl);
  return result(s, () => ({ ...simple, kafka: { ...simple.kafka, sasl }, encoding, schemaRegistry }));
}

/** `optout-verifier run`: everything the service needs. */
export function parseLiveConfig(argv: readonly string[], env: Env): ConfigResult<LiveConfig> {
  const program = settingsCommand('optout-verifier run', 'The live verifier: consumes the four input topics, keeps its state in PostgreSQL, publishes alerts.', RUN_TABLE);
  const flags = parseFlags(program, argv, RUN_HELP);
  if (!flags.ok) return flags;
  const s = new SettingsReader(RUN_TABLE, env, flags.values);
  const simple = s.build(ASSEMBLED) as unknown as Simple<LiveConfig>;
  const { sasl } = kafkaTransport(s);
  distinctTopics(s, simple.topics, 'six topics (four inputs, alerts, dead letters)');
  const encoding = valueEncoding(s);
  const alertEncoding = s.get(ALERT_VALUE_ENCODING) ?? (encoding.kind === 'confluent' ? 'confluent' : 'single-object');
  const registryWanted = encoding.kind === 'confluent' ? 'VALUE_ENCODING=confluent' : alertEncoding === 'confluent' ? 'ALERT_VALUE_ENCODING=confluent' : null;
  const schemaRegistry = readSchemaRegistrySettings(s, registryWanted);
  checkDatabase(s);
  refusePlaintext(s, s.text(DATABASE_URL) ?? null, simple.kafka.ssl);
  if (simple.idleTimeoutMs === 0) s.problem(IDLE_TIMEOUT, 'IDLE_TIMEOUT must be more than 0');
  if (simple.stallTimeoutMs === 0) s.problem(STALL_TIMEOUT, 'STALL_TIMEOUT must be more than 0');
  return result(s, () => ({ ...simple, kafka: { ...simple.kafka, sasl }, encoding, alertEncoding, schemaRegistry }));
}

/** `optout-verifier migrate`: the database settings, the key, the runtime role. */
export function parseMigrateConfig(argv: readonly string[], env: Env): ConfigResult<MigrateConfig> {
  const program = settingsCommand('optout-verifier migrate', 'Applies the live service\'s pending PostgreSQL migrations, in order, and exits.', MIGRATE_TABLE);
  const flags = parseFlags(program, argv, MIGRATE_HELP);
  if (!flags.ok) return flags;
  const s = new SettingsReader(MIGRATE_TABLE, env, flags.values);
  const config = s.build() as unknown as MigrateConfig;
  checkDatabase(s);
  refusePlaintext(s, s.text(DATABASE_URL) ?? null, null);
  return result(s, () => config);
}

/** `optout-verifier audit verify`: the database as `run` reaches it (DATABASE_URL, DB_SCHEMA and their kin). */
export function parseAuditConfig(argv: readonly string[], env: Env): ConfigResult<AuditConfig> {
  const program = settingsCommand('optout-verifier audit verify', 'Recomputes the hash chain of the alert history and checks each alert against its last logged change.', AUDIT_TABLE);
  const flags = parseFlags(program, argv, AUDIT_HELP);
  if (!flags.ok) return flags;
  const s = new SettingsReader(AUDIT_TABLE, env, flags.values);
  const config = s.build() as unknown as AuditConfig;
  checkDatabase(s);
  refusePlaintext(s, s.text(DATABASE_URL) ?? null, null);
  return result(s, () => config);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
