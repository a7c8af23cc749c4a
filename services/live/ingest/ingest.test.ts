// Ingest over a stand-in for kafkajs's consumer (its events and eachBatch, driven by hand) and the in-memory store.
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { VerifierError } from '../errors.js';
import type { StateStore } from '../store/state-store.js';
import { streamValueDecoder, streamValueEncoder } from '../../codec/stream-value-codec.js';
import { catalogue, gp, PATIENT_A, T0 } from '../../core/testing/builders.js';
import { keyedIdentity } from '../../identity/keyed-identity.js';
import { InputProgress } from '../ops/input-progress.js';
import { createVerifierMetrics } from '../ops/metrics.js';
import { Readiness } from '../ops/readiness.js';
import type { StoredBatch } from '../store/state-store.js';
import { MemoryStateStore } from '../store/testing/memory-state-store.js';
import { Ingest } from './ingest.js';
import { MessageIntake } from './message-intake.js';

const TOPIC = 'gp.optout.events';
const EVENTS = { END_BATCH_PROCESS: 'consumer.end_batch_process', GROUP_JOIN: 'consumer.group_join', CONNECT: 'consumer.connect', CRASH: 'consumer.crash', REBALANCING: 'consumer.rebalancing', STOP: 'consumer.stop', DISCONNECT: 'consumer.disconnect' };
const encode = streamValueEncoder('gpEvents');

/** kafkajs's consumer as far as ingest uses it: its events, its one eachBatch, seeks and commits recorded. */
function standInConsumer() {
  const handlers = new Map<string, ((event: { payload: unknown }) => void)[]>();
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | null = null;
  const seeks: string[] = [];
  const consumer = {
    events: EVENTS,
    on: (name: string, handler: (event: { payload: unknown }) => void) => { handlers.set(name, [...(handlers.get(name) ?? []), handler]); },
    connect: async () => {}, subscribe: async () => {}, disconnect: async () => {}, commitOffsets: async () => {},
    run: async (options: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => { eachBatch = options.eachBatch; },
    seek: ({ offset }: { offset: string }) => { seeks.push(offset); },
  };
  const emit = (name: string, payload: unknown) => { for (const handler of handlers.get(name) ?? []) handler({ payload }); };
  /** A fetch from `fetchedOffset` that found these messages, as kafkajs hands it to eachBatch. */
  const batch = async (fetchedOffset: number, messages: { offset: number; value: Buffer }[], highWatermark: number, control: { heartbeat?: () => Promise<void>; isStale?: () => boolean } = {}) => {
    const last = messages.at(-1)!.offset;
    await eachBatch!({
      batch: {
        topic: TOPIC, partition: 0, fetchedOffset: String(fetchedOffset), highWatermark: String(highWatermark),
        messages: messages.map((m) => ({ offset: String(m.offset), value: m.value, key: null, timestamp: '0', attributes: 0, headers: {} })),
        isEmpty: () => false, firstOffset: () => String(messages[0]!.offset), lastOffset: () => String(last),
      },
      resolveOffset: () => {}, heartbeat: control.heartbeat ?? (async () => {}), isRunning: () => true, isStale: control.isStale ?? (() => false),
    } as unknown as EachBatchPayload);
  };
  return { consumer: consumer as unknown as Consumer, emit, batch, seeks };
}

function ingestOver(store: StateStore, consumer: Consumer) {
  const registry = new Registry();
  const metrics = createVerifierMetrics(registry, { version: 'test' }, { inputTopics: [TOPIC] });
  const readiness = new Readiness();
  const logger = pino({ level: 'silent' });
  const stored: StoredBatch[] = [];
  const pseudonymise = keyedIdentity(Buffer.from('5c'.repeat(32), 'hex')).patientRefFor;
  const ingest = new Ingest({
    kafka: { consumer: () => consumer } as unknown as Kafka,
    routes: new Map([[TOPIC, { stream: 'gpEvents' as const, intake: new MessageIntake('gpEvents', streamValueDecoder('gpEvents'), catalogue, pseudonymise) }]]),
    store, deadLetters: { publish: async () => {} }, metrics, logger, readiness, retry: { retrying: () => {}, recovered: () => {} },
    now: () => T0, logStart: async () => 0, onStored: (batch) => stored.push(batch),
    progress: new InputProgress(metrics, readiness, logger, { stallTimeoutMs: 60_000, inputTopics: [TOPIC], now: () => 0 }),
    monotonicNow: () => 0,
  }, { groupId: 'g', sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000, fetchMaxWaitMs: 100, partitionsConsumedConcurrently: 1 });
  return { ingest, stored, registry };
}

describe('ingest', () => {
  // Regression: with transactional producers, the marker that ends each transaction never reached eachBatch. The
  // stored offset stayed on it: the partition looked a record behind for ever (a stall called, stream time held
  // back), and the next transaction's batch was refused and read again.
  it('passes over offsets that hold no record (a transaction\'s marker), counted as absent, and stores the next batch at once', async () => {
    const store = new MemoryStateStore(() => T0);
    const kafka = standInConsumer();
    const { ingest, stored, registry } = ingestOver(store, kafka.consumer);
    await ingest.start();
    // Offsets 0 and 1 are a transaction's records, 2 its commit marker; 3 and 4 the next transaction's records.
    await kafka.batch(0, [{ offset: 0, value: encode(gp('e-1', T0, '9Nu0', PATIENT_A)) }, { offset: 1, value: encode(gp('e-2', T0, '9Nu0', PATIENT_A)) }], 3);
    kafka.emit(EVENTS.END_BATCH_PROCESS, { topic: TOPIC, partition: 0, batchSize: 0, firstOffset: '2', lastOffset: '2', highWatermark: '3' });
    await kafka.batch(3, [{ offset: 3, value: encode(gp('e-3', T0, '9Nu0', PATIENT_A)) }, { offset: 4, value: encode(gp('e-4', T0, '9Nu0', PATIENT_A)) }], 5);
    await ingest.stop();

    expect(kafka.seeks).toEqual([]);
    expect(await store.ingestAccounts()).toEqual([{ topic: TOPIC, partition: 0, nextOffset: 5, unaccounted: 0 }]);
    expect(stored.map((b) => [b.from, b.to, b.records.length])).toEqual([[0, 2, 2], [2, 3, 0], [3, 5, 2]]);
    const lag = (await registry.getSingleMetric('optout_verifier_consumer_lag_records')!.get()).values[0]?.value;
    expect(lag).toBe(0);
  });

  it('leaves offsets with no record it cannot place after the stored offset: the next batch is refused and read again', async () => {
    const store = new MemoryStateStore(() => T0);
    const kafka = standInConsumer();
    const { ingest } = ingestOver(store, kafka.consumer);
    await ingest.start();
    await kafka.batch(0, [{ offset: 0, value: encode(gp('e-1', T0, '9Nu0', PATIENT_A)) }], 4);
    // Offset 1 was never read: a marker found at 2 cannot be passed over.
    kafka.emit(EVENTS.END_BATCH_PROCESS, { topic: TOPIC, partition: 0, batchSize: 0, firstOffset: '2', lastOffset: '2', highWatermark: '4' });
    await kafka.batch(3, [{ offset: 3, value: encode(gp('e-3', T0, '9Nu0', PATIENT_A)) }], 4);
    await ingest.stop();
    expect(kafka.seeks).toEqual(['1']);
    expect(await store.ingestAccounts()).toEqual([{ topic: TOPIC, partition: 0, nextOffset: 1, unaccounted: 0 }]);
  });

  it('keeps the member in the group while a pass-over cannot be stored, and lets the batch go on a rebalance', async () => {
    const memory = new MemoryStateStore(() => T0);
    // PostgreSQL is down for the pass-over: every attempt fails as a lost connection does, and is retried.
    let down = true;
    const store = new Proxy(memory, {
      get: (target, name, receiver) => (name === 'ingest'
        ? async (...args: Parameters<StateStore['ingest']>) => {
          if (down && args[0].items.length === 0) throw new VerifierError('STORE_UNAVAILABLE', 'PostgreSQL storing: ECONNREFUSED', { retriable: true });
          return target.ingest(...args);
        }
        : Reflect.get(target, name, receiver) as unknown),
    });
    const kafka = standInConsumer();
    const { ingest } = ingestOver(store, kafka.consumer);
    await ingest.start();
    await kafka.batch(0, [{ offset: 0, value: encode(gp('e-1', T0, '9Nu0', PATIENT_A)) }], 3);
    kafka.emit(EVENTS.END_BATCH_PROCESS, { topic: TOPIC, partition: 0, batchSize: 0, firstOffset: '1', lastOffset: '1', highWatermark: '3' });
    let heartbeats = 0;
    let stale = false;
    const waiting = kafka.batch(2, [{ offset: 2, value: encode(gp('e-2', T0, '9Nu0', PATIENT_A)) }], 3, { heartbeat: async () => { heartbeats++; }, isStale: () => stale });
    while (heartbeats < 2) await new Promise((r) => setTimeout(r, 50));
    // The group rebalanced: the batch is another member's now, and goes without being stored.
    stale = true;
    await waiting;
    expect(await memory.ingestAccounts()).toEqual([{ topic: TOPIC, partition: 0, nextOffset: 1, unaccounted: 0 }]);
    down = false;
    await ingest.stop();
  }, 10_000);
});
