// What PostgreSQL says a role may do in a schema, asked through its privilege functions, and the statements the
// runtime role must be refused: the SQL of the runtime privileges' tests.
import type pg from 'pg';
import type { TableAccess } from '../../../services/live/store/runtime-privileges.js';

/** Every privilege PostgreSQL has on a table. */
export const TABLE_PRIVILEGES: readonly string[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];

/** What a table's runtime privileges list of `privilege`: held on the whole table unless granted on some columns only, and on some columns whenever listed. */
export function listedPrivilege(access: TableAccess, privilege: string): { whole: boolean; some: boolean } {
  const listed = (access.privileges as readonly string[]).includes(privilege);
  const byColumn = privilege === 'UPDATE' && access.updatableColumns !== undefined;
  return { whole: listed && !byColumn, some: listed };
}

/** The role `db` is connected as, and whether it is a superuser. */
export async function currentRole(db: pg.Client): Promise<{ me: string; superuser: boolean }> {
  const { rows } = await db.query<{ me: string; superuser: boolean }>('SELECT current_user AS me, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user');
  return rows[0]!;
}

/** Creates a table with one integer column, `id`, in the connection's schema. */
export async function createTable(db: pg.Client, name: string): Promise<void> {
  await db.query(`CREATE TABLE ${name} (id integer)`);
}

/** Grants `role` by hand two privileges on alerts that the runtime privileges do not list: deleting and truncating. */
export async function grantUnlistedOnAlerts(db: pg.Client, role: string): Promise<void> {
  await db.query(`GRANT DELETE, TRUNCATE ON alerts TO ${role}`);
}

/** The names of the tables in `schema`. */
export async function tablesOf(db: pg.Client, schema: string): Promise<string[]> {
  const { rows } = await db.query<{ table: string }>(`SELECT tablename AS table FROM pg_tables WHERE schemaname = $1`, [schema]);
  return rows.map((r) => r.table);
}

/** Whether `role` holds `privilege` on the whole of `table` (schema-qualified), and on at least some of its columns. */
export async function tablePrivilege(db: pg.Client, role: string, table: string, privilege: string): Promise<{ whole: boolean; some: boolean }> {
  const { rows } = await db.query<{ whole: boolean; some: boolean }>(
    `SELECT has_table_privilege($1, $2, $3) AS whole,
  CASE WHEN $3 IN ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES') THEN has_any_column_privilege($1, $2, $3) ELSE has_table_privilege($1, $2, $3) END AS some`, [role, table, privilege]);
  return rows[0]!;
}

/** Whether `role` may use `schema`, and create objects in it. */
export async function schemaPrivileges(db: pg.Client, role: string, schema: string): Promise<{ usage: boolean; create: boolean }> {
  const { rows } = await db.query<{ usage: boolean; create: boolean }>(
    `SELECT has_schema_privilege($1, $2, 'USAGE') AS usage, has_schema_privilege($1, $2, 'CREATE') AS create`, [role, schema]);
  return rows[0]!;
}

/** DDL, TRUNCATE, and rewriting or removing alerts, their messages or the migrations' record: none of which `run` does. */
export function statementsRefusedAtRuntime(schema: string): string[] {
  return [
    'DROP TABLE alerts',
    'DROP TABLE alert_outbox',
    'DROP SCHEMA ' + schema + ' CASCADE',
    'TRUNCATE alerts',
    'TRUNCATE alert_outbox',
    'TRUNCATE record_batches',
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
}
