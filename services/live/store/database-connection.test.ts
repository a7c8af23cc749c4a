import { describe, expect, it } from 'vitest';
import { connectionFields, databaseConnection, queryTimeoutMs } from './database-connection.js';

describe('the database connection', () => {
  it('waits for an answer the statement timeout and as long again, at most 30 s more', () => {
    expect([500, 60_000, 3_600_000].map(queryTimeoutMs)).toEqual([1_000, 90_000, 3_630_000]);
    const fields = connectionFields(databaseConnection('postgres://verifier@db/nds', { statementTimeoutMs: 60_000, lockTimeoutMs: 10_000 }));
    expect(fields).toMatchObject({ statement_timeout: 60_000, lock_timeout: 10_000, query_timeout: 90_000 });
  });

  it('leaves the wait unbounded where asked (a migration part, many statements in one query), or with no statement timeout', () => {
    const connection = databaseConnection('postgres://verifier@db/nds', { statementTimeoutMs: 60_000 });
    expect(connectionFields(connection, { waitForAnswers: 'unbounded' })).toEqual({ connectionString: 'postgres://verifier@db/nds', statement_timeout: 60_000 });
    expect(connectionFields(databaseConnection('postgres://verifier@db/nds'))).toEqual({ connectionString: 'postgres://verifier@db/nds' });
  });
});
