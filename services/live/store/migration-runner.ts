// Applies the ordered plain-SQL migrations in services/live/store/migrations (NNN_name.sql) to the configured schema,
// each in its own transaction, under an advisory lock so that instances starting together apply them once.
// An applied file whose text has changed since is an error: migrations are append-only. A line
// `-- step: <name>` in a file runs that step of migration-steps.ts at that point, in the same transaction: what SQL
// alone cannot do (computing keyed pseudonyms with a key the database never sees).
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import pg from 'pg';
import { packageFile } from '../../package-root.js';
import { connectionFields, databaseConnection, type DatabaseConnection } from './database-connection.js';
import { storeFailure, VerifierError } from '../errors.js';
import { MIGRATION_STEPS, type MigrationStep } from './migration-steps.js';
import { runtimeGrants, type SchemaObjects } from './runtime-privileges.js';
import type { Sql } from './state-queries.js';

export const MIGRATIONS_DIR = packageFile('services', 'live', 'store', 'migrations');

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

const FILE_NAME = /^(\d{3})_([a-z0-9_]+)\.sql$/;

export async function readMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match) throw new Error(`migration file ${file} is not named NNN_name.sql`);
    const sql = await readFile(`${dir}/${file}`, 'utf8');
    migrations.push({ version: Number(match[1]), name: match[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  // Numbers may skip (each part of the service has its own numbers to take), but never repeat.
  migrations.forEach((m, i) => {
    if (i > 0 && m.version <= migrations[i - 1]!.version) throw new Error(`migrations must have increasing numbers; ${file(m)} repeats ${file(migrations[i - 1]!)}`);
    for (const part of partsOf(m)) {
      if (part.kind === 'step' && !MIGRATION_STEPS.has(part.name)) throw new Error(`migration ${file(m)} names an unknown step ${part.name}`);
    }
  });
  return migrations;
}

type MigrationPart = { readonly kind: 'sql'; readonly sql: string } | { readonly kind: 'step'; readonly name: string };

const STEP_LINE = /^-- step: ([a-z0-9-]+)[ \t]*$/m;

/** The file's SQL cut at its step lines: SQL, step, SQL, ... (the capture group of split() gives the names). */
function partsOf(m: Migration): MigrationPart[] {
  const pieces = m.sql.split(new RegExp(STEP_LINE.source, 'gm'));
  return pieces.map((piece, i): MigrationPart => (i % 2 === 1 ? { kind: 'step', name: piece } : { kind: 'sql', sql: piece }))
    .filter((part) => part.kind === 'step' || part.sql.trim() !== '');
}

export interface MigrateOptions {
  /** The pseudonym key, for a step that needs it (a missing key is refused there, with what to do). */
  readonly pseudonymKey?: Buffer | null;
  /** Apply migrations up to this version only (the default: all). */
  readonly upTo?: number;
  /**
   * The role `run` connects as: after the migrations, it is granted exactly what runtime-privileges.ts lists, and
   * everything else is revoked. It must exist, and be neither this role, a member of it, nor a superuser.
   */
  readonly runtimeRole?: string;
}

const file = (m: Migration): string => `${String(m.version).padStart(3, '0')}_${m.name}.sql`;

export interface MigrationStatus {
  readonly applied: readonly number[];
  readonly pending: readonly Migration[];
}

const LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** A URL alone, or a URL with its password file's content and the session timeouts. */
export type DatabaseTarget = string | DatabaseConnection;

async function connect(target: DatabaseTarget): Promise<pg.Client> {
  const connection = typeof target === 'string' ? databaseConnection(target) : target;
  // A part of a migration file is one query of many statements: statement_timeout bounds each, and no client wait
  // could bound them all. A migration is run by hand or at a start, where a hang is seen.
  const client = new pg.Client({ ...connectionFields(connection, { waitForAnswers: 'unbounded' }), application_name: 'optout-verifier migrate', connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw storeFailure(error, 'connecting to migrate');
  }
  return client;
}

async function appliedIn(client: pg.Client, schema: string, migrations: readonly Migration[]): Promise<number[]> {
  const exists = await client.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [`${pg.escapeIdentifier(schema)}.schema_migrations`]);
  if (!exists.rows[0]?.present) return [];
  const rows = await client.query<{ version: number; checksum: string }>(`SELECT version, checksum FROM ${pg.escapeIdentifier(schema)}.schema_migrations ORDER BY version`);
  for (const row of rows.rows) {
    const known = migrations.find((m) => m.version === row.version);
    if (!known) throw new VerifierError('SCHEMA_NOT_MIGRATED', `schema ${schema} has migration ${row.version}, which this version of the service does not know: it was migrated by a newer version`, { retriable: false });
    if (known.checksum !== row.checksum) throw new VerifierError('SCHEMA_NOT_MIGRATED', `migration ${file(known)} was changed after it was applied to schema ${schema}`, { retriable: false });
  }
  return rows.rows.map((r) => r.version);
}

export async function migrationStatus(databaseUrl: DatabaseTarget, schema: string): Promise<MigrationStatus> {
  const migrations = await readMigrations();
  const client = await connect(databaseUrl);
  try {
    const applied = await appliedIn(client, schema, migrations);
    return { applied, pending: migrations.filter((m) => !applied.includes(m.version)) };
  } catch (error) {
    throw storeFailure(error, 'reading the migration status');
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Applies every pending migration (returns the ones it applied: none when another process got there first), then,
 * given a runtime role, sets that role's privileges, whether or not a migration was pending.
 */
export async function migrate(databaseUrl: DatabaseTarget, schema: string, options: MigrateOptions = {}): Promise<Migration[]> {
  const migrations = (await readMigrations()).filter((m) => options.upTo === undefined || m.version <= options.upTo);
  const client = await connect(databaseUrl);
  const lockKey = `optout-verifier:${schema}:migrate`;
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)}`);
    await client.query(`SET search_path TO ${pg.escapeIdentifier(schema)}`);
    await client.query(LEDGER);
    // A runtime role that cannot be granted is refused before anything changes.
    if (options.runtimeRole !== undefined) await checkRuntimeRole(client, options.runtimeRole);
    const applied = await appliedIn(client, schema, migrations);
    const late = migrations.find((m) => !applied.includes(m.version) && m.version < Math.max(0, ...applied));
    if (late) throw new VerifierError('SCHEMA_NOT_MIGRATED', `migration ${file(late)} is numbered below one already applied to schema ${schema}; it cannot be applied in order`, { retriable: false });
    const done: Migration[] = [];
    for (const migration of migrations) {
      if (applied.includes(migration.version)) continue;
      const afterCommit: string[] = [];
      await client.query('BEGIN');
      try {
        for (const part of partsOf(migration)) {
          if (part.kind === 'sql') {
            await client.query(part.sql);
            continue;
          }
          const step: MigrationStep = MIGRATION_STEPS.get(part.name)!;
          await step.run({
            migration: file(migration), pseudonymKey: options.pseudonymKey ?? null,
            query: async <R>(sql: Sql) => (await client.query({ text: sql.text, values: sql.values as unknown[] })).rows as R[],
          });
          afterCommit.push(...step.afterCommit);
        }
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migration.checksum]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        if (error instanceof VerifierError) throw error;
        throw new VerifierError('STORE_REJECTED', `migration ${file(migration)} failed: ${(error as Error).message}`, { retriable: false, cause: error });
      }
      for (const statement of afterCommit) await client.query(statement);
      done.push(migration);
    }
    if (options.runtimeRole !== undefined) await grantRuntimeRole(client, schema, options.runtimeRole);
    return done;
  } catch (error) {
    throw storeFailure(error, 'migrating');
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => {});
    await client.end().catch(() => {});
  }
}

async function checkRuntimeRole(client: pg.Client, role: string): Promise<void> {
  const found = await client.query<{ superuser: boolean; is_migrator: boolean }>(
    `SELECT rolsuper AS superuser, pg_has_role($1, current_user, 'MEMBER') AS is_migrator FROM pg_roles WHERE rolname = $1`, [role]);
  const runtime = found.rows[0];
  if (!runtime) {
    throw new VerifierError('CONFIGURATION', `DB_RUNTIME_ROLE ${role} does not exist: create it first (e.g. CREATE ROLE ${pg.escapeIdentifier(role)} LOGIN PASSWORD '...'), then migrate again`, { retriable: false });
  }
  if (runtime.superuser || runtime.is_migrator) {
    throw new VerifierError('CONFIGURATION', `DB_RUNTIME_ROLE ${role} ${runtime.superuser ? 'is a superuser' : 'is the role migrate connects as, or a member of it'}: it would hold every privilege of the schema; name a role of its own`, { retriable: false });
  }
}

async function grantRuntimeRole(client: pg.Client, schema: string, role: string): Promise<void> {
  const tables = await client.query<{ table: string }>(
    `SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1`, [schema]);
  const sequences = await client.query<{ table: string; sequence: string }>(
    `SELECT t.relname AS table, s.relname AS sequence
FROM pg_depend d
JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
JOIN pg_class t ON t.oid = d.refobjid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = $1 AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')`, [schema]);
  const objects: SchemaObjects = { tables: tables.rows.map((r) => r.table), sequences: sequences.rows };
  const plan = runtimeGrants(schema, role, objects);
  if (!plan.ok) throw new VerifierError('SCHEMA_NOT_MIGRATED', `cannot grant ${role} its privileges: ${plan.problems.join('; ')}`, { retriable: false });
  await client.query('BEGIN');
  try {
    for (const statement of plan.statements) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

export function describeMigration(m: Migration): string {
  return file(m);
}
