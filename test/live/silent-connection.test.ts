// A connection to PostgreSQL that goes silent while a query is in flight (the server's host lost, a firewall dropping
// the flow): nothing resets it, and TCP keepalive does not probe a connection with data unanswered, so without a wait
// of its own the client would hold the query for the kernel's retransmissions, some fifteen minutes. The store's
// query fails after the statement timeout and as long again, its connection is dropped at once (a ROLLBACK or an
// unlock queued behind the unanswered query would wait as long again), and the next call works on a new one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamValueEncoder } from '../../services/codec/stream-value-codec.js';
import { streamValueDecoder } from '../../services/codec/stream-value-codec.js';
import { catalogue, CODES, gp, T0 } from '../../services/core/testing/builders.js';
import { keyedIdentity } from '../../services/identity/keyed-identity.js';
import { VerifierError } from '../../services/live/errors.js';
import { MessageIntake } from '../../services/live/ingest/message-intake.js';
import { queryTimeoutMs } from '../../services/live/store/database-connection.js';
import { migrate } from '../../services/live/store/migration-runner.js';
import { PgStateStore } from '../../services/live/store/pg-state-store.js';
import type { IngestBatch } from '../../services/live/store/state-store.js';
import { testStack, type FreshSchema } from '../stack/test-context.js';
import { silencingProxy, type SilencingProxy } from './support/silencing-proxy.js';

const STATEMENT_TIMEOUT_MS = 500;
const intake = new MessageIntake('gpEvents', streamValueDecoder('gpEvents'), catalogue, keyedIdentity(Buffer.from('a3'.repeat(32), 'hex')).patientRefFor);
const encode = streamValueEncoder('gpEvents');
const batch = (offset: number): IngestBatch => ({
  topic: 'gp.optout.events', partition: 0, stream: 'gpEvents', items: [intake.classify(offset, encode(gp(`e-${offset}`, T0 + offset, CODES.t1Dissent)))],
  nextOffset: offset + 1, fetchedFrom: offset, gapAccepted: false,
});

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
    store = new PgStateStore({
      databaseUrl: url.toString(), schema: schema.schema, poolSize: 2, applicationName: 'silent-connection-test',
      statementTimeoutMs: STATEMENT_TIMEOUT_MS, onConnectionError: () => {},
    });
  });

  afterAll(async () => {
    await store?.close();
    await proxy?.close();
    await schema?.drop();
  });

  const failure = (work: Promise<unknown>) => work.then(() => null, (error: unknown) => error as VerifierError);
  const unanswered = (error: VerifierError | null) => {
    expect(error).toBeInstanceOf(VerifierError);
    expect(error!.code).toBe('STORE_UNAVAILABLE');
    expect(error!.message).toMatch(/Query read timeout/);
  };

  it('fails the query in flight within the client\'s wait, then works on a new connection', async () => {
    expect(await store.countUnsent()).toBe(0);
    proxy.silence();
    unanswered(await failure(store.countUnsent()));
    // The query was sent on the silenced connection, and its bytes went nowhere.
    expect(proxy.dropped).toBeGreaterThan(0);
    proxy.restore();
    expect(await store.countUnsent()).toBe(0);
  }, 15_000);

  it('drops the connection of a transaction whose statement went unanswered, rather than wait again for its ROLLBACK', async () => {
    expect((await store.ingest(batch(0), async () => {})).kind).toBe('stored');
    const droppedBefore = proxy.droppedByClient;
    // Silent from the transaction's first statement after BEGIN: a ROLLBACK is then queued behind it.
    proxy.silenceOn('lock-partition-progress');
    const started = performance.now();
    unanswered(await failure(store.ingest(batch(1), async () => {})));
    const waited = performance.now() - started;
    proxy.restore();
    // One client wait, not a second one for the ROLLBACK queued behind the unanswered statement.
    expect(waited).toBeLessThan(1.8 * queryTimeoutMs(STATEMENT_TIMEOUT_MS));
    // The client closed it: the proxy sees the close a moment later.
    for (let i = 0; i < 100 && proxy.droppedByClient === droppedBefore; i++) await new Promise((r) => setTimeout(r, 10));
    expect(proxy.droppedByClient).toBeGreaterThan(droppedBefore);
    expect((await store.ingest(batch(1), async () => {})).kind).toBe('stored');
  }, 15_000);

  it('tells the decider its session is lost when a query on it goes unanswered, and lets it go at once', async () => {
    const session = (await store.tryLead('silent-a'))!;
    expect(session).not.toBeNull();
    proxy.silence();
    unanswered(await failure(session.readProgress()));
    expect((await session.lost).message).toBeTruthy();
    await session.release();
    proxy.restore();
    // The lock went with the dropped session: another instance is elected at once.
    const next = await store.tryLead('silent-b');
    expect(next).not.toBeNull();
    await next!.release();
  }, 15_000);
});
