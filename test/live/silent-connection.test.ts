// A connection to PostgreSQL that goes silent while a query is in flight (the server's host lost, a firewall dropping
// the flow): nothing resets it, and TCP keepalive does not probe a connection with data unanswered, so without a wait
// of its own the client would hold the query for the kernel's retransmissions, some fifteen minutes. The store's
// query fails after the statement timeout and as long again, its connection is dropped, and the next call works on a
// new one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerifierError } from '../../services/live/errors.js';
import { migrate } from '../../services/live/store/migration-runner.js';
import { PgStateStore } from '../../services/live/store/pg-state-store.js';
import { testStack, type FreshSchema } from '../stack/test-context.js';
import { silencingProxy, type SilencingProxy } from './support/silencing-proxy.js';

describe('a connection to PostgreSQL that goes silent mid-query', () => {
  const stack = testStack();
  let schema: FreshSchema;
  let proxy: SilencingProxy;
  let store: PgStateStore;

  beforeAll(async () => {
    schema = await stack.freshSchema();
    await migrate(stack.databaseUrl, schema.schema);
    const url = new URL(stack.databaseUrl);
    proxy = await silencingProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.host = `127.0.0.1:${proxy.port}`;
    const connectionErrors: Error[] = [];
    store = new PgStateStore({
      databaseUrl: url.toString(), schema: schema.schema, poolSize: 1, applicationName: 'silent-connection-test',
      statementTimeoutMs: 500, onConnectionError: (error) => connectionErrors.push(error),
    });
  });

  afterAll(async () => {
    await store?.close();
    await proxy?.close();
    await schema?.drop();
  });

  it('fails the query in flight within the client\'s wait, then works on a new connection', async () => {
    expect(await store.countUnsent()).toBe(0);
    proxy.silence();
    const failure = await store.countUnsent().then(() => null, (error: unknown) => error);
    // The query was sent on the silenced connection, and its bytes went nowhere.
    expect(proxy.dropped).toBeGreaterThan(0);
    expect(failure).toBeInstanceOf(VerifierError);
    expect((failure as VerifierError).code).toBe('STORE_UNAVAILABLE');
    expect((failure as VerifierError).message).toMatch(/Query read timeout/);
    proxy.restore();
    expect(await store.countUnsent()).toBe(0);
  }, 15_000);
});
