// The PostgreSQL settings as rows, shared by `run`, `migrate` and `audit verify`, and what the URL says about TLS.
import { setting, type Parsed } from '../settings/setting.js';
import { boolean, duration, integer, matching, text } from '../settings/setting-parsers.js';
import type { SettingsReader } from '../settings/settings-reader.js';

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

/** What `migrate` and `audit verify` need: one connection, and nothing about starting the service. */
export type AdminDatabaseSettings = Omit<DatabaseSettings, 'migrateOnStart' | 'poolSize'>;

const postgresUrl = (url: string): Parsed<string> => (/^postgres(ql)?:\/\//.test(url) ? { value: url } : { problems: ['DATABASE_URL must be a postgres:// or postgresql:// URL'] });

export const DATABASE_URL = setting({
  env: 'DATABASE_URL', flag: '--database-url <url>', required: true, to: 'url', parse: postgresUrl,
  doc: '`postgres://` URL, with `sslmode=verify-full&sslrootcert=<CA file>`; no password in it',
});
const DATABASE_PASSWORD_FILE = setting({
  env: 'DATABASE_PASSWORD_FILE', defaultDoc: 'none (the URL\'s, or `PGPASSWORD`)', to: 'passwordFile', parse: text,
  doc: 'file holding the database password (its final line break dropped)',
});
export const DB_STATEMENT_TIMEOUT = setting({
  env: 'DB_STATEMENT_TIMEOUT', default: '60s', to: 'statementTimeoutMs', parse: duration,
  doc: 'a statement running longer is cancelled (SQLSTATE 57014) and retried with backoff; a query left unanswered for as long again (at most 30 s more: a connection gone silent) fails too, and its connection is dropped',
});
const DB_LOCK_TIMEOUT = setting({
  env: 'DB_LOCK_TIMEOUT', default: '10s', to: 'lockTimeoutMs', parse: duration,
  doc: 'a lock waited for longer fails the statement (55P03), which is retried: a lock held elsewhere shows as retries and a stall, never as a silent wait',
});
export const DB_POOL_SIZE = setting({ env: 'DB_POOL_SIZE', default: '6', to: 'poolSize', parse: integer(2, 100), doc: 'connections per instance (ingest uses up to this less two in parallel)' });
export const MIGRATE_ON_START = setting({
  env: 'MIGRATE_ON_START', flag: '--migrate', default: 'false', to: 'migrateOnStart', parse: boolean,
  doc: 'apply pending migrations at start; without it, a schema that lacks one stops the start (exit 1)',
});

const DB_SCHEMA = setting({
  env: 'DB_SCHEMA', flag: '--db-schema <name>', default: 'optout_verifier', to: 'schema', parse: matching(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier (letters, digits, _)'),
  doc: 'PostgreSQL schema holding the state (instances of one deployment share it)',
});

/** The settings of the database itself, each at its field of DatabaseSettings: what every command reaching it reads. */
export const ADMIN_DATABASE_SETTINGS = [DATABASE_URL, DATABASE_PASSWORD_FILE, DB_STATEMENT_TIMEOUT, DB_LOCK_TIMEOUT, DB_SCHEMA];

/** The database settings of `run`, each at its field of DatabaseSettings. */
export const DATABASE_SETTINGS = [...ADMIN_DATABASE_SETTINGS, DB_POOL_SIZE, MIGRATE_ON_START];

export const ALLOW_PLAINTEXT = setting({
  env: 'ALLOW_PLAINTEXT', default: 'false', to: 'allowPlaintext', parse: boolean,
  doc: '`true` lets PostgreSQL and Kafka connect without TLS (demo, tests, bench on one machine)',
});

/** What the settings say together: one password, timeouts above zero; a password in the URL is warned of. */
export function checkDatabase(s: SettingsReader): void {
  const url = s.text(DATABASE_URL);
  const urlPassword = url !== undefined && URL.canParse(url) && new URL(url).password !== '';
  if (urlPassword && s.given(DATABASE_PASSWORD_FILE)) {
    s.problem(DATABASE_PASSWORD_FILE, 'DATABASE_URL carries a password and DATABASE_PASSWORD_FILE is set: give the password once, in the file');
  }
  if (urlPassword) {
    s.warnings.push(s.fromFlag(DATABASE_URL)
      ? '--database-url carries a password, which any user of this host can read in the process list: put it in DATABASE_PASSWORD_FILE'
      : 'DATABASE_URL carries a password: put it in DATABASE_PASSWORD_FILE, a file only the service can read');
  }
  if (s.get(DB_STATEMENT_TIMEOUT) === 0 || s.get(DB_LOCK_TIMEOUT) === 0) {
    s.problem(DB_STATEMENT_TIMEOUT, 'DB_STATEMENT_TIMEOUT and DB_LOCK_TIMEOUT must be more than 0 (a statement must never wait for ever)');
  }
}

/** Refuses a plaintext connection unless ALLOW_PLAINTEXT=true: records and alerts are patient data. */
export function refusePlaintext(s: SettingsReader, databaseUrl: string | null, kafkaSsl: boolean | null): boolean {
  if (s.get(ALLOW_PLAINTEXT) === true) return true;
  if (databaseUrl !== null && databaseUrl !== '') {
    const db = databaseTls(databaseUrl);
    if (!db.tls && !db.socket) {
      s.problem(ALLOW_PLAINTEXT, `DATABASE_URL connects to PostgreSQL without TLS (sslmode ${db.sslmode ?? 'not set'}): add sslmode=verify-full and sslrootcert=<CA file>, or set ALLOW_PLAINTEXT=true on a machine where plaintext is acceptable`);
    }
  }
  if (kafkaSsl === false) s.problem(ALLOW_PLAINTEXT, 'KAFKA_SSL is not true: the connection to Kafka would be plaintext; set KAFKA_SSL=true, or ALLOW_PLAINTEXT=true on a machine where plaintext is acceptable');
  return false;
}

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
