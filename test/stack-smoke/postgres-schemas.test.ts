// Each test gets a schema of its own, reached through the URL freshSchema
// returns: unqualified names resolve there, and one test's tables are
// invisible to another's.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

import { testStack, type FreshSchema } from '../stack/test-context.js';

describe('PostgreSQL schema per test', () => {
  // Dropped only at the end, so the schemas of all tests here exist side by side.
  const schemas: FreshSchema[] = [];
  afterAll(async () => {
    await Promise.all(schemas.splice(0).map((schema) => schema.drop()));
  });

  async function fresh(): Promise<FreshSchema> {
    const schema = await testStack().freshSchema();
    schemas.push(schema);
    return schema;
  }

  // The two tests below create the same table name. Sharing a schema, the
  // second would fail on CREATE TABLE or count the first one's row.
  for (const owner of ['first test', 'second test']) {
    it(`gives the ${owner} an empty schema of its own`, async () => {
      const { schema, databaseUrl } = await fresh();
      await withClient(databaseUrl, async (client) => {
        expect((await client.query('SELECT current_schema() AS name')).rows[0].name).toBe(schema);
        await client.query('CREATE TABLE receipt (owner text NOT NULL)');
        await client.query('INSERT INTO receipt (owner) VALUES ($1)', [owner]);
        expect((await client.query('SELECT owner FROM receipt')).rows).toEqual([{ owner }]);
      });
    });
  }

  it('keeps a table created in one schema out of sight of another', async () => {
    const [one, other] = await Promise.all([fresh(), fresh()]);
    expect(one.schema).not.toBe(other.schema);

    await withClient(one.databaseUrl, (client) => client.query('CREATE TABLE manifest (id int)'));

    await withClient(other.databaseUrl, async (client) => {
      expect((await client.query("SELECT to_regclass('manifest') AS found")).rows[0].found).toBeNull();
    });
    await withClient(one.databaseUrl, async (client) => {
      expect((await client.query("SELECT to_regclass('manifest')::text AS found")).rows[0].found).toBe('manifest');
    });
  });

  it('drops the schema and its tables', async () => {
    const { schema, databaseUrl, drop } = await fresh();
    await withClient(databaseUrl, (client) => client.query('CREATE TABLE episode (id int)'));

    await drop();

    await withClient(testStack().databaseUrl, async (client) => {
      const found = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      expect(found.rowCount).toBe(0);
    });
  });
});

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
