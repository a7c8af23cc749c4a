import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createVerifierMetrics } from '../ops/metrics.js';
import type { OutboxMessage, StateStore } from '../store/state-store.js';
import { AlertPublisher } from './alert-publisher.js';

/** An outbox of messages in memory, and a sink that records what it was sent. */
function publisher() {
  const outbox: OutboxMessage[] = [];
  const sent: string[] = [];
  const store = {
    unsentAlerts: async (limit: number) => outbox.slice(0, limit),
    markSent: async (seqs: readonly number[]) => { outbox.splice(0, outbox.length, ...outbox.filter((m) => !seqs.includes(m.seq))); },
    countUnsent: async () => outbox.length,
  } as unknown as StateStore;
  const sink = { publish: async (messages: readonly OutboxMessage[]) => { sent.push(...messages.map((m) => m.alertId)); } };
  const metrics = createVerifierMetrics(new Registry(), { version: 'test' });
  const p = new AlertPublisher({ store, sink, metrics, logger: pino({ level: 'silent' }), retry: { retrying: () => {}, recovered: () => {} } }, { batchSize: 10, sweepMs: 60_000 });
  const commit = (alertId: string) => outbox.push({ seq: outbox.length + sent.length + 1, alertId, transition: 'FIRED', payload: Buffer.alloc(0), decidedAt: 0 });
  return { p, commit, sent };
}

describe('alert publisher', () => {
  it('settles a wake once the alerts committed before it are sent', async () => {
    const { p, commit, sent } = publisher();
    p.start();
    p.setActive(true);
    commit('a1');
    commit('a2');
    await p.wake();
    expect(sent).toEqual(['a1', 'a2']);
    commit('a3');
    await p.wake();
    expect(sent).toEqual(['a1', 'a2', 'a3']);
    await p.stop();
  });

  it('settles a wake at once when it does not publish (another instance decides)', async () => {
    const { p, commit, sent } = publisher();
    p.start();
    commit('a1');
    await p.wake();
    expect(sent).toEqual([]);
    await p.stop();
  });
});
