// How the service connects to PostgreSQL, besides the URL: the password read from its file (so it is in neither
// the URL nor the process list), the session's statement and lock timeouts, and the client's own wait for an answer,
// so that no statement of the service waits for ever on a lock, a stuck server or a silent connection: it fails, is
// retried with backoff, and is counted.
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
  readonly query_timeout?: number;
}

/**
 * How long the client waits for the answer to a query: the statement timeout and as long again, at most 30 s more.
 * By then the server has cancelled the statement and said so, unless the connection went silent (the server's host
 * lost, a firewall dropping the flow): TCP keepalive does not probe a connection with a query unanswered, and the
 * kernel's retransmissions would hold it for some fifteen minutes. The query fails instead, the connection is
 * dropped, and the work is retried on a new one.
 */
export function queryTimeoutMs(statementTimeoutMs: number): number {
  return statementTimeoutMs + Math.min(statementTimeoutMs, 30_000);
}

export function databaseConnection(url: string, settings: { password?: string | null; statementTimeoutMs?: number | null; lockTimeoutMs?: number | null } = {}): DatabaseConnection {
  return { url, password: settings.password ?? null, statementTimeoutMs: settings.statementTimeoutMs ?? null, lockTimeoutMs: settings.lockTimeoutMs ?? null };
}

/**
 * node-postgres lets the URL's (empty) password win over a `password` field, so the password from the file goes
 * into the connection string, which stays in this process's memory.
 */
export function connectionFields(c: DatabaseConnection, options: { readonly waitForAnswers?: 'bounded' | 'unbounded' } = {}): ConnectionFields {
  let connectionString = c.url;
  if (c.password !== null) {
    const url = new URL(c.url);
    url.password = encodeURIComponent(c.password);
    connectionString = url.toString();
  }
  return {
    connectionString,
    ...(c.statementTimeoutMs !== null ? { statement_timeout: c.statementTimeoutMs } : {}),
    ...(c.statementTimeoutMs !== null && options.waitForAnswers !== 'unbounded' ? { query_timeout: queryTimeoutMs(c.statementTimeoutMs) } : {}),
    ...(c.lockTimeoutMs !== null ? { lock_timeout: c.lockTimeoutMs } : {}),
  };
}

/**
 * After a query the client gave up waiting for (query_timeout), drops its connection: node-postgres leaves the
 * query active on it, and every later query there (a ROLLBACK, the decider's unlock) would queue behind it and wait
 * a full timeout of its own. Dropped, they fail at once, and a session watching its connection learns it is lost.
 */
export function dropIfUnanswered(client: object, error: unknown): void {
  if (!(error instanceof Error) || error.message !== 'Query read timeout') return;
  (client as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
