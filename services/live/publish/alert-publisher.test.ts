import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createVerifierMetrics } from '../ops/metrics.js';
import type { OutboxMessage, StateStore } from '../store/state-store.js';
import { AlertPublisher } from './alert-publisher.js';

/** An outbox of messages in memory, and a sink that records what it was sent. */
function publisher(gate: Promise<void> = Promise.resolve()) {
  const outbox: OutboxMessage[] = [];
  const sent: string[] = [];
  const store = {
    unsentAlerts: async (limit: number) => outbox.slice(0, limit),
    markSent: async (seqs: readonly number[]) => { outbox.splice(0, outbox.length, ...outbox.filter((m) => !seqs.includes(m.seq))); },
    countUnsent: async () => outbox.length,
  } as unknown as StateStore;
  let publishing = 0;
  const sink = {
    publish: async (messages: readonly OutboxMessage[]) => {
      publishing++;
      await gate;
      sent.push(...messages.map((m) => m.alertId));
    },
  };
  const metrics = createVerifierMetrics(new Registry(), { version: 'test' });
  const p = new AlertPublisher({ store, sink, metrics, logger: pino({ level: 'silent' }), retry: { retrying: () => {}, recovered: () => {} } }, { batchSize: 10, sweepMs: 60_000 });
  const commit = (alertId: string) => outbox.push({ seq: outbox.length + sent.length + 1, alertId, transition: 'FIRED', payload: Buffer.alloc(0), decidedAt: 0 });
  return { p, commit, sent, publishing: () => publishing };
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

  it('sends nothing when stopped while another instance decides, even with the outbox full', async () => {
    const { p, commit, sent } = publisher();
    commit('a1');
    p.start();
    await p.stop();
    expect(sent).toEqual([]);
  });

  it('hands over: ends the pass in flight, sends what is committed, and nothing after', async () => {
    let open = () => {};
    const { p, commit, sent, publishing } = publisher(new Promise<void>((resolve) => { open = resolve; }));
    p.start();
    p.setActive(true);
    commit('a1');
    const woken = p.wake();
    while (publishing() === 0) await new Promise((r) => setTimeout(r, 1));
    commit('a2');
    const handedOver = p.handOver();
    open();
    await Promise.all([woken, handedOver]);
    expect(sent).toEqual(['a1', 'a2']);
    commit('a3');
    await p.wake();
    await p.stop();
    expect(sent).toEqual(['a1', 'a2']);
  });

  it('stands down: the pass in flight sends no further batch, and it settles once that pass has ended', async () => {
    let open = () => {};
    const { p, commit, sent, publishing } = publisher(new Promise<void>((resolve) => { open = resolve; }));
    p.start();
    p.setActive(true);
    for (let i = 1; i <= 25; i++) commit(`a${i}`);
    void p.wake();
    while (publishing() === 0) await new Promise((r) => setTimeout(r, 1));
    // Leadership lost with the first batch of ten in flight.
    p.setActive(false);
    let stoodDown = false;
    const standingDown = p.standDown().then(() => { stoodDown = true; });
    await new Promise((r) => setTimeout(r, 5));
    expect(stoodDown).toBe(false);
    open();
    await standingDown;
    expect(sent).toEqual(Array.from({ length: 10 }, (_, i) => `a${i + 1}`));
    expect(publishing()).toBe(1);
    await p.stop();
  });
});
