// How the service connects to PostgreSQL, besides the URL: the password read from its file (so it is in neither
// the URL nor the process list) and the session's statement and lock timeouts, so that no statement of the
// service waits for ever on a lock or a stuck server: it fails, is retried with backoff, and is counted.
export interface DatabaseConnection {
  readonly url: string;
  /** From DATABASE_PASSWORD_FILE; null: the URL's, or PGPASSWORD. */
  readonly password: string | null;
  readonly statementTimeoutMs: number | null;
  readonly lockTimeoutMs: number | null;
}

/** The fields of node-postgres's client configuration that say where and how to connect. */
export interface ConnectionFields {
  readonly connectionString: string;
  readonly statement_timeout?: number;
  readonly lock_timeout?: number;
}

export function databaseConnection(url: string, settings: { password?: string | null; statementTimeoutMs?: number | null; lockTimeoutMs?: number | null } = {}): DatabaseConnection {
  return { url, password: settings.password ?? null, statementTimeoutMs: settings.statementTimeoutMs ?? null, lockTimeoutMs: settings.lockTimeoutMs ?? null };
}

/**
 * node-postgres lets the URL's (empty) password win over a `password` field, so the password from the file goes
 * into the connection string, which stays in this process's memory.
 */
export function connectionFields(c: DatabaseConnection): ConnectionFields {
  let connectionString = c.url;
  if (c.password !== null) {
    const url = new URL(c.url);
    url.password = encodeURIComponent(c.password);
    connectionString = url.toString();
  }
  return {
    connectionString,
    ...(c.statementTimeoutMs !== null ? { statement_timeout: c.statementTimeoutMs } : {}),
    ...(c.lockTimeoutMs !== null ? { lock_timeout: c.lockTimeoutMs } : {}),
  };
}
