import pg from 'pg';

/** The SQLSTATE PostgreSQL answers a statement with, or null when it succeeds. */
export async function sqlstateOf(client: pg.Client, sql: string): Promise<string | null> {
  try {
    await client.query(sql);
    return null;
  } catch (error) {
    if (error instanceof pg.DatabaseError) return error.code ?? 'no code';
    throw error;
  }
}
