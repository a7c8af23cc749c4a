// Least privilege: `migrate` runs as the schema's owner and leaves the runtime role (DB_RUNTIME_ROLE) exactly what
// `run` does to each table (services/live/store/runtime-privileges.ts); as that role, DDL, TRUNCATE and rewriting or
// removing alert history are refused by PostgreSQL (SQLSTATE 42501, insufficient privilege).
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../services/live/store/migration-runner.js';
import { RUNTIME_ACCESS } from '../../services/live/store/runtime-privileges.js';
import { VerifierError } from '../../services/live/errors.js';
import { testStack, type FreshSchema } from '../stack/test-context.js';
import { createRuntimeRole, type RuntimeRole } from './support/runtime-role.js';
import { sqlstateOf } from './support/sqlstate.js';

const INSUFFICIENT_PRIVILEGE = '42501';

describe('the runtime role that migrate grants', () => {
  const stack = testStack();
  let schema: FreshSchema;
  let role: RuntimeRole;
  let owner: pg.Client;
  let runtime: pg.Client;

  beforeEach(async () => {
    schema = await stack.freshSchema();
    role = await createRuntimeRole(stack);
    await migrate(stack.databaseUrl, schema.schema, { runtimeRole: role.name });
    owner = new pg.Client({ connectionString: schema.databaseUrl });
    await owner.connect();
    const url = new URL(role.databaseUrl);
    url.searchParams.set('options', `-c search_path=${schema.schema}`);
    runtime = new pg.Client({ connectionString: url.toString() });
    await runtime.connect();
  });

  afterEach(async () => {
    await runtime.end().catch(() => {});
    await owner.end().catch(() => {});
    await schema.drop();
    await role.drop();
  });

  const migrateFailure = async (runtimeRole: string): Promise<VerifierError> => {
    const error = await migrate(stack.databaseUrl, schema.schema, { runtimeRole }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(VerifierError);
    return error as VerifierError;
  };

  it('refuses a runtime role that does not exist, naming it', async () => {
    const missing = stack.uniqueName('nobody');
    const error = await migrateFailure(missing);
    expect(error.code).toBe('CONFIGURATION');
    expect(error.message).toContain(`DB_RUNTIME_ROLE ${missing} does not exist`);
  });

  it('refuses a superuser or the migrating role itself as the runtime role', async () => {
    const { rows } = await owner.query<{ me: string; superuser: boolean }>('SELECT current_user AS me, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user');
    const error = await migrateFailure(rows[0]!.me);
    expect(error.code).toBe('CONFIGURATION');
    expect(error.message).toMatch(/is a superuser|is the role migrate connects as/);
  });

  it('refuses a schema holding a table that the runtime privileges do not list', async () => {
    await owner.query('CREATE TABLE unlisted_notes (id integer)');
    const error = await migrateFailure(role.name);
    expect(error.code).toBe('SCHEMA_NOT_MIGRATED');
    expect(error.message).toContain(`table ${schema.schema}.unlisted_notes has no entry in the runtime privileges`);
  });

  it('holds on each table exactly the privileges listed for it, and a privilege granted by hand is taken back by the next migrate', async () => {
    await owner.query(`GRANT DELETE, TRUNCATE ON alerts TO ${role.name}`);
    await migrate(stack.databaseUrl, schema.schema, { runtimeRole: role.name });
    const { rows: tables } = await owner.query<{ table: string }>(`SELECT tablename AS table FROM pg_tables WHERE schemaname = $1`, [schema.schema]);
    expect(tables.map((t) => t.table).sort()).toEqual(Object.keys(RUNTIME_ACCESS).sort());
    for (const { table } of tables) {
      const access = RUNTIME_ACCESS[table]!;
      for (const privilege of ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) {
        const { rows } = await owner.query<{ whole: boolean; some: boolean }>(
          `SELECT has_table_privilege($1, $2, $3) AS whole,
  CASE WHEN $3 IN ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES') THEN has_any_column_privilege($1, $2, $3) ELSE has_table_privilege($1, $2, $3) END AS some`, [role.name, `${schema.schema}.${table}`, privilege]);
        const listed = (access.privileges as readonly string[]).includes(privilege);
        const byColumn = privilege === 'UPDATE' && access.updatableColumns !== undefined;
        expect({ table, privilege, whole: rows[0]!.whole, some: rows[0]!.some }).toEqual({ table, privilege, whole: listed && !byColumn, some: listed });
      }
    }
    const { rows: schemaRights } = await owner.query<{ usage: boolean; create: boolean }>(
      `SELECT has_schema_privilege($1, $2, 'USAGE') AS usage, has_schema_privilege($1, $2, 'CREATE') AS create`, [role.name, schema.schema]);
    expect(schemaRights[0]).toEqual({ usage: true, create: false });
  });

  it('refuses the runtime role DDL, TRUNCATE, and any UPDATE or DELETE of alert history', async () => {
    const refused = [
      'DROP TABLE alerts',
      'DROP TABLE alert_outbox',
      'DROP SCHEMA ' + schema.schema + ' CASCADE',
      'TRUNCATE alerts',
      'TRUNCATE alert_outbox',
      'TRUNCATE gp_events',
      'TRUNCATE decider_state',
      'ALTER TABLE alerts ADD COLUMN note text',
      'ALTER TABLE alerts DROP CONSTRAINT alerts_pkey',
      'ALTER TABLE alert_outbox DISABLE TRIGGER ALL',
      'CREATE TABLE scratch (id integer)',
      'CREATE INDEX ON alerts (rule)',
      'DELETE FROM alerts',
      'DELETE FROM alert_outbox',
      `UPDATE alerts SET patient_ref = 'someone else'`,
      `UPDATE alerts SET fired_at = now()`,
      `UPDATE alert_outbox SET payload = '\\x00'`,
      `UPDATE alert_outbox SET transition = 'RESOLVED'`,
      `UPDATE schema_migrations SET checksum = ''`,
    ];
    const outcomes = [];
    for (const sql of refused) outcomes.push({ sql, sqlstate: await sqlstateOf(runtime, sql) });
    expect(outcomes).toEqual(refused.map((sql) => ({ sql, sqlstate: INSUFFICIENT_PRIVILEGE })));
  });
});
