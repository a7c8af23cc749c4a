// A PostgreSQL role of the test's own for `run` to connect as, as a deployment would have: created with a random
// password (so it logs in on a server that checks passwords too), given its privileges by `migrate`, dropped after.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestStack } from '../../stack/test-context.js';

export interface RuntimeRole {
  readonly name: string;
  /** The stack's database URL, logging in as this role. */
  readonly databaseUrl: string;
  drop(): Promise<void>;
}

/** On the stack's PostgreSQL, or on the server `ownerUrl` reaches as a superuser. */
export async function createRuntimeRole(stack: TestStack, ownerUrl: string = stack.databaseUrl): Promise<RuntimeRole> {
  const name = stack.uniqueName('runtime');
  const password = randomBytes(12).toString('hex');
  await asOwner(ownerUrl, (db) => db.query(`CREATE ROLE ${name} LOGIN PASSWORD '${password}'`));
  const url = new URL(ownerUrl);
  url.username = name;
  url.password = password;
  return {
    name,
    databaseUrl: url.toString(),
    drop: () => asOwner(ownerUrl, async (db) => {
      await db.query(`DROP OWNED BY ${name}`);
      await db.query(`DROP ROLE IF EXISTS ${name}`);
    }),
  };
}

async function asOwner(url: string, use: (db: pg.Client) => Promise<unknown>): Promise<void> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    await use(db);
  } finally {
    await db.end();
  }
}
