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
import {
  createTable, currentRole, grantUnlistedOnAlerts, listedPrivilege, schemaPrivileges, statementsRefusedAtRuntime, TABLE_PRIVILEGES, tablePrivilege, tablesOf,
} from './support/privilege-checks.js';

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
    const error = await migrateFailure((await currentRole(owner)).me);
    expect(error.code).toBe('CONFIGURATION');
    expect(error.message).toMatch(/is a superuser|is the role migrate connects as/);
  });

  it('refuses a schema holding a table that the runtime privileges do not list', async () => {
    await createTable(owner, 'unlisted_notes');
    const error = await migrateFailure(role.name);
    expect(error.code).toBe('SCHEMA_NOT_MIGRATED');
    expect(error.message).toContain(`table ${schema.schema}.unlisted_notes has no entry in the runtime privileges`);
  });

  it('holds on each table exactly the privileges listed for it, and a privilege granted by hand is taken back by the next migrate', async () => {
    await grantUnlistedOnAlerts(owner, role.name);
    await migrate(stack.databaseUrl, schema.schema, { runtimeRole: role.name });
    const tables = await tablesOf(owner, schema.schema);
    expect([...tables].sort()).toEqual(Object.keys(RUNTIME_ACCESS).sort());
    for (const table of tables) {
      const access = RUNTIME_ACCESS[table]!;
      for (const privilege of TABLE_PRIVILEGES) {
        const held = await tablePrivilege(owner, role.name, `${schema.schema}.${table}`, privilege);
        expect({ table, privilege, whole: held.whole, some: held.some }).toEqual({ table, privilege, ...listedPrivilege(access, privilege) });
      }
    }
    expect(await schemaPrivileges(owner, role.name, schema.schema)).toEqual({ usage: true, create: false });
  });

  it('refuses the runtime role DDL, TRUNCATE, and any rewriting or removal of alert history', async () => {
    const refused = statementsRefusedAtRuntime(schema.schema);
    const outcomes = [];
    for (const sql of refused) outcomes.push({ sql, sqlstate: await sqlstateOf(runtime, sql) });
    expect(outcomes).toEqual(refused.map((sql) => ({ sql, sqlstate: INSUFFICIENT_PRIVILEGE })));
  });
});
