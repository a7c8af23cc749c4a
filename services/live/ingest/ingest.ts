// INGEST: every instance consumes the partitions the group assigns it. Each batch is decoded and validated,
// dead letters are published, and the batch's records, dead letters and the partition's next offset are stored in
// one PostgreSQL transaction (see pg-state-store.ts). PostgreSQL is the source of truth for where to resume: on
// every assignment the consumer seeks to the stored offsets, and the store refuses a batch whose fetch began beyond
// the stored offset (after a crash of the server, say), upon which the consumer seeks back there. The offset is
// committed to Kafka afterwards, for lag tooling only, and never before the work it covers is durably stored.
import type { Batch, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { StreamName } from '../../core/records.js';
import { Stopped, withRetry, type RetryObserver } from '../backoff.js';
import { brokerFailure, describeFailure, VerifierError } from '../errors.js';
import type { InputProgress } from '../ops/input-progress.js';
import type { DeadLetterSink } from '../kafka/kafka-sinks.js';
import type { BatchIntake } from './message-intake.js';
import type { VerifierMetrics } from '../ops/metrics.js';
import type { Readiness } from '../ops/readiness.js';
import { partitionKey, type PartitionKey } from '../store/topic-partition.js';
import type { IngestBatch, IngestOutcome, IngestRefusal, StateStore, StoredBatch } from '../store/state-store.js';

export interface InputRoute {
  readonly stream: StreamName;
  readonly intake: BatchIntake;
}

export interface IngestOptions {
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly fetchMaxWaitMs: number;
  readonly partitionsConsumedConcurrently: number;
}

export interface IngestDeps {
  readonly kafka: Kafka;
  readonly routes: ReadonlyMap<string, InputRoute>;
  readonly store: StateStore;
  readonly deadLetters: DeadLetterSink;
  readonly metrics: VerifierMetrics;
  readonly logger: Logger;
  readonly readiness: Readiness;
  readonly retry: RetryObserver;
  /** Wall clock (epoch ms), for the last-record gauge. */
  readonly now: () => number;
  /** Where a partition's log begins now (retention deletes from the start). */
  readonly logStart: (topic: string, partition: number) => Promise<number>;
  /** Told of every committed batch, so a decider in this process need not read it back from the store. */
  readonly onStored: (batch: StoredBatch) => void;
  /** Stored offsets and end offsets of the assigned partitions: lag, and whether they make progress. */
  readonly progress: InputProgress;
  /** Monotonic milliseconds, for the restart window. */
  readonly monotonicNow: () => number;
}

const RESTART_PAUSE_MS = 2_000;
/**
 * kafkajs gives a consumer up on an error it holds for permanent. The service starts a new one once; a consumer
 * given up on again within this window shows that a restart in this process does not help, and the process exits
 * (non-zero) so that the orchestrator starts a fresh one: a process living on without a consumer is silent.
 */
const RESTART_WINDOW_MS = 10 * 60_000;
const KAFKA_COMMIT_INTERVAL_MS = 1_000;
/** A batch waiting for a pass-over of its partition heartbeats this often, so the member keeps its place in the group. */
const PASS_OVER_WAIT_MS = 1_000;

export class Ingest {
  readonly #deps: IngestDeps;
  #consumer: Consumer;
  readonly #log: Logger;
  readonly #topicEventTime = new Map<string, number>();
  readonly #toCommit = new Map<PartitionKey, { topic: string; partition: number; offset: number }>();
  /** Per partition, the storing of offsets with no record in progress (see #passOver). */
  readonly #passingOver = new Map<PartitionKey, Promise<void>>();
  #committing = false;
  readonly #commitTimer = setInterval(() => { void this.#commitToKafka(); }, KAFKA_COMMIT_INTERVAL_MS).unref();
  #stopping = false;
  #lastRestartAt: number | null = null;
  #fail!: (error: VerifierError) => void;
  /** Settles when ingest cannot go on in this process: the caller stops the service and exits non-zero. */
  readonly failed: Promise<VerifierError> = new Promise((resolve) => { this.#fail = resolve; });

  constructor(deps: IngestDeps, options: IngestOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#log = deps.logger.child({ component: 'ingest' });
    this.#consumer = this.#newConsumer();
  }

  readonly #options: IngestOptions;
  #restarting: Promise<void> | null = null;

  #newConsumer(): Consumer {
    const { deps, options } = { deps: this.#deps, options: this.#options };
    const consumer = deps.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      maxWaitTimeInMs: options.fetchMaxWaitMs,
      allowAutoTopicCreation: false,
      retry: {
        initialRetryTime: 300, maxRetryTime: 5_000, retries: 5,
        // A consumer that gave up is restarted by kafkajs: the stored offsets make a restart harmless.
        restartOnFailure: async (error) => {
          deps.metrics.kafkaRetries.inc();
          this.#log.warn({ error: describeFailure(brokerFailure(error, 'consuming')) }, 'consumer failed; kafkajs restarts it');
          return !this.#stopping;
        },
      },
    });
    const { events } = consumer;
    consumer.on(events.GROUP_JOIN, (event) => { void this.#onJoin(event.payload.memberId, event.payload.memberAssignment); });
    consumer.on(events.CONNECT, () => deps.readiness.set('kafka', true));
    consumer.on(events.CRASH, (event) => {
      deps.readiness.set('consumerJoined', false);
      const failure = brokerFailure(event.payload.error, 'consuming');
      this.#log.error({ error: describeFailure(failure), restart: event.payload.restart }, 'consumer crashed');
      if (event.payload.restart || this.#stopping || consumer !== this.#consumer) return;
      // kafkajs gave up on an error it holds for permanent (a broker answering a join with INVALID_REQUEST, say).
      // The service starts a new consumer after a pause, once; a second give-up soon after, or a new consumer
      // that cannot start, ends the process.
      const now = deps.monotonicNow();
      if (this.#restarting !== null || (this.#lastRestartAt !== null && now - this.#lastRestartAt < RESTART_WINDOW_MS)) {
        this.#giveUp('kafkajs gave up on the consumer again soon after it was restarted', failure);
        return;
      }
      this.#lastRestartAt = now;
      this.#restarting = this.#restart(consumer);
    });
    // A fetch that found only a transaction's marker, or aborted records, never reaches eachBatch: kafkajs moves past
    // it by itself and says so in this event. The store is told too, or the partition would look a record behind.
    consumer.on(events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize !== 0 || payload.firstOffset === null || consumer !== this.#consumer || this.#stopping) return;
      this.#passOver(payload.topic, payload.partition, Number(payload.firstOffset), Number(payload.lastOffset) + 1, Number(payload.highWatermark));
    });
    consumer.on(events.REBALANCING, () => deps.readiness.set('consumerJoined', false));
    consumer.on(events.STOP, () => deps.readiness.set('consumerJoined', false));
    consumer.on(events.DISCONNECT, () => deps.readiness.set('consumerJoined', false));
    return consumer;
  }

  async #restart(crashed: Consumer): Promise<void> {
    try {
      this.#deps.metrics.kafkaRetries.inc();
      await crashed.disconnect().catch(() => {});
      await sleep(RESTART_PAUSE_MS);
      if (this.#stopping) return;
      this.#consumer = this.#newConsumer();
      this.#log.warn('starting a new consumer after a crash kafkajs would not restart');
      await this.#run(this.#consumer);
    } catch (error) {
      if (!(error instanceof Stopped)) this.#giveUp('could not start a new consumer', error);
    } finally {
      this.#restarting = null;
    }
  }

  #giveUp(why: string, error: unknown): void {
    if (this.#stopping) return;
    const failure = error instanceof VerifierError ? error : brokerFailure(error, 'restarting the consumer');
    this.#log.fatal({ error: describeFailure(failure) }, `${why}: this process consumes nothing more, so it exits for the orchestrator to start a fresh one`);
    this.#fail(new VerifierError('BROKER_REJECTED', `${why}: ${failure.message}`, { retriable: false, cause: failure }));
  }

  async start(): Promise<void> {
    await this.#run(this.#consumer);
  }

  async #run(consumer: Consumer): Promise<void> {
    const topics = [...this.#deps.routes.keys()];
    await withRetry('joining the consumer group', async () => {
      try {
        await consumer.connect();
        await consumer.subscribe({ topics, fromBeginning: true });
      } catch (error) {
        throw brokerFailure(error, 'subscribing to the input topics');
      }
    }, this.#deps.retry, { shouldStop: () => this.#stopping });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.#options.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.#onBatch(payload),
    });
    this.#log.info({ topics }, 'consuming');
  }

  /** Finishes the batch in hand (its transaction commits or rolls back), leaves the group. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#commitTimer);
    await this.#restarting;
    await Promise.all(this.#passingOver.values());
    await this.#commitToKafka();
    await this.#consumer.disconnect();
  }

  /**
   * Offsets go to Kafka a second or so after PostgreSQL has them, for lag tooling only: where to resume is read
   * from PostgreSQL. Committing them in the background keeps a round trip to the group coordinator off every batch.
   */
  async #commitToKafka(): Promise<void> {
    if (this.#toCommit.size === 0 || this.#committing) return;
    const offsets = [...this.#toCommit.values()];
    this.#toCommit.clear();
    this.#committing = true;
    try {
      await this.#consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })));
    } catch (error) {
      this.#log.debug({ error: describeFailure(brokerFailure(error, 'committing offsets to Kafka')) }, 'offsets not committed to Kafka (PostgreSQL holds them)');
    } finally {
      this.#committing = false;
    }
  }

  async #onJoin(memberId: string, assignment: Record<string, number[]>): Promise<void> {
    this.#deps.readiness.set('consumerJoined', true);
    const partitions = Object.entries(assignment).flatMap(([topic, list]) => list.map((partition) => ({ topic, partition })));
    this.#log.info({ memberId, partitions: Object.fromEntries(Object.entries(assignment).map(([t, l]) => [t, [...l].sort((a, b) => a - b)])) }, 'joined the consumer group');
    let stored: Map<PartitionKey, number>;
    try {
      stored = await this.#deps.store.storedOffsets(partitions);
    } catch (error) {
      // Not fatal: every batch is checked against its partition's stored offset, in the transaction that stores it.
      this.#log.warn({ error: describeFailure(error) }, 'could not read stored offsets after joining; batches will check them');
      this.#deps.progress.assigned(partitions.map((p) => ({ ...p, committed: null })));
      return;
    }
    this.#deps.progress.assigned(partitions.map((p) => ({ ...p, committed: stored.get(partitionKey(p.topic, p.partition)) ?? 0 })));
    for (const { topic, partition } of partitions) {
      const offset = stored.get(partitionKey(topic, partition)) ?? 0;
      try {
        this.#consumer.seek({ topic, partition, offset: String(offset) });
      } catch (error) {
        this.#log.warn({ topic, partition, error: describeFailure(error) }, 'could not seek to the stored offset');
      }
    }
  }

  /**
   * Stores that a partition's offsets [from, to) hold no record (a transaction's marker, aborted records), after
   * what is already being stored of the partition; its next batch waits for it. Refused (the store stands before
   * `from`: offsets in between were never read), it is left: the next batch is refused too and read again from the
   * stored offset, markers included.
   */
  #passOver(topic: string, partition: number, from: number, to: number, highWatermark: number): void {
    const route = this.#deps.routes.get(topic);
    if (!route) return;
    const key = partitionKey(topic, partition);
    const passing = (this.#passingOver.get(key) ?? Promise.resolve()).then(async () => {
      try {
        const outcome = await withRetry(`storing ${topic}/${partition} past offsets with no record`, () => this.#deps.store.ingest({
          topic, partition, stream: route.stream, items: [], nextOffset: to, fetchedFrom: from, gapAccepted: false,
        }, async () => {}), this.#deps.retry, { shouldStop: () => this.#stopping });
        if (outcome.kind === 'refused' || outcome.nextOffset <= outcome.previousOffset) return;
        this.#deps.onStored({ topic, partition, from: outcome.previousOffset, to: outcome.nextOffset, records: outcome.records });
        this.#record(topic, partition, 0, outcome, highWatermark);
        this.#toCommit.set(key, { topic, partition, offset: outcome.nextOffset });
      } catch (error) {
        if (!(error instanceof Stopped)) this.#log.warn({ topic, partition, from, to, error: describeFailure(error) }, 'could not store offsets with no record; the next batch reads them again');
      }
    });
    this.#passingOver.set(key, passing);
    void passing.finally(() => { if (this.#passingOver.get(key) === passing) this.#passingOver.delete(key); });
  }

  async #onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.isEmpty() || isStale()) return;
    const { topic, partition } = batch;
    const key = partitionKey(topic, partition);
    const route = this.#deps.routes.get(topic);
    if (!route) return;
    const shouldStop = () => !isRunning() || isStale();
    const keepAlive = async () => { await heartbeat().catch(() => {}); };
    // A pass-over of this partition goes first. While the store cannot take it (PostgreSQL down, say), the batch
    // waits, heartbeating, and gives up on a rebalance or a stop as a batch being stored would.
    for (let passing = this.#passingOver.get(key); passing !== undefined; passing = this.#passingOver.get(key)) {
      if (shouldStop()) return;
      const waiting = new AbortController();
      const settled = await Promise.race([passing.then(() => true), sleep(PASS_OVER_WAIT_MS, false, { signal: waiting.signal }).catch(() => false)]);
      waiting.abort();
      if (settled && this.#passingOver.get(key) === passing) break;
      await keepAlive();
    }
    try {
      // Writer schemas the registry has not given yet are fetched for the whole batch first; while it cannot answer,
      // the batch waits (retried with backoff, reported): a record is never dead-lettered for a registry outage.
      const values = batch.messages.map((m) => m.value);
      const unknownSchemas = route.intake.writerSchemasToFetch(values);
      if (unknownSchemas.length > 0) {
        await withRetry('fetching writer schemas from the schema registry', async () => {
          await keepAlive();
          await route.intake.fetchWriterSchemas(unknownSchemas);
        }, this.#deps.retry, { shouldStop });
      }
      const items = await route.intake.classifyBatch({ topic, partition, offsets: batch.messages.map((m) => Number(m.offset)), values });
      const fetchedFrom = fetchedOffsetOf(batch);
      const store = (gapAccepted: boolean): Promise<IngestOutcome | IngestRefusal> => {
        const ingestBatch: IngestBatch = { topic, partition, stream: route.stream, items, nextOffset: Number(batch.lastOffset()) + 1, fetchedFrom, gapAccepted };
        // Every attempt checks, in its own transaction, that the batch begins where PostgreSQL says the partition
        // stands: after a failure of the store (a crash of the server, say), that is where reading resumes.
        return withRetry(`storing a batch of ${topic}/${partition}`, async () => {
          await keepAlive();
          return this.#deps.store.ingest(ingestBatch, (letters) => this.#deps.deadLetters.publish(letters.map((l) => ({
            sourceTopic: topic, sourcePartition: partition, sourceOffset: l.offset, reason: l.reason, detail: l.detail,
            value: messageAt(batch.messages, l.offset)?.value ?? null,
          }))));
        }, this.#deps.retry, { shouldStop });
      };
      const started = performance.now();
      let outcome = await store(false);
      if (outcome.kind === 'refused') {
        const { storedOffset } = outcome;
        const logStart = await withRetry(`reading where ${topic}/${partition} begins`, () => this.#deps.logStart(topic, partition), this.#deps.retry, { shouldStop });
        if (logStart <= storedOffset || fetchedFrom > logStart) {
          this.#log.warn({ topic, partition, storedOffset, fetchedFrom }, 'a batch began beyond the stored offset; reading again from the stored offset');
          this.#deps.metrics.ingestRefusedBatches.inc({ topic });
          this.#consumer.seek({ topic, partition, offset: String(Math.max(storedOffset, logStart)) });
          return;
        }
        this.#log.error({ topic, partition, from: storedOffset, to: logStart }, 'records deleted from the log before they were read (retention); continuing after them, the offsets stay unaccounted');
        outcome = await store(true);
        if (outcome.kind === 'refused') return;
      }
      this.#deps.metrics.stateStoreCommitDuration.observe((performance.now() - started) / 1000);
      if (outcome.nextOffset > outcome.previousOffset) {
        this.#deps.onStored({ topic, partition, from: outcome.previousOffset, to: outcome.nextOffset, records: outcome.records });
      }
      resolveOffset(batch.lastOffset());
      if (outcome.nextOffset > Number(batch.lastOffset()) + 1) this.#consumer.seek({ topic, partition, offset: String(outcome.nextOffset) });
      const previousOffset = outcome.previousOffset;
      this.#record(topic, partition, items.filter((i) => i.offset >= previousOffset).length, outcome, Number(batch.highWatermark));
      this.#toCommit.set(key, { topic, partition, offset: outcome.nextOffset });
      await keepAlive();
    } catch (error) {
      // Stopping or a rebalance: the batch is left unresolved and will be read again from the stored offset.
      if (error instanceof Stopped) return;
      throw error;
    }
  }

  #record(topic: string, partition: number, read: number, outcome: { stored: number; duplicates: number; deadLetters: readonly { reason: string }[]; maxEventTime: number | null; nextOffset: number }, highWatermark: number): void {
    const m = this.#deps.metrics;
    if (read > 0) {
      m.recordsConsumed.inc({ topic }, read);
      m.lastRecord.set({ topic }, this.#deps.now() / 1000);
    }
    if (outcome.duplicates > 0) m.duplicates.inc({ topic }, outcome.duplicates);
    const reasons = new Map<string, number>();
    for (const letter of outcome.deadLetters) reasons.set(letter.reason, (reasons.get(letter.reason) ?? 0) + 1);
    for (const [reason, count] of reasons) m.deadLetters.inc({ topic, reason }, count);
    if (reasons.size > 0) this.#log.info({ topic, partition, deadLetters: Object.fromEntries(reasons) }, 'records sent to the dead-letter topic');
    if (outcome.maxEventTime !== null && outcome.maxEventTime > (this.#topicEventTime.get(topic) ?? -Infinity)) {
      this.#topicEventTime.set(topic, outcome.maxEventTime);
      m.streamTime.set({ topic }, outcome.maxEventTime / 1000);
    }
    this.#deps.progress.committed(topic, partition, outcome.nextOffset, Number.isFinite(highWatermark) ? highWatermark : null);
  }
}

/**
 * The offset the batch's fetch asked for. kafkajs keeps it on the batch without declaring it in its types; without it,
 * the batch's first offset (control records before it then read as a batch beginning too far, refused and re-read).
 */
function fetchedOffsetOf(batch: Batch): number {
  const fetched = (batch as Batch & { fetchedOffset?: string | number }).fetchedOffset;
  return fetched === undefined ? Number(batch.firstOffset()) : Number(fetched);
}

/** Messages are in offset order: a binary search finds the one a dead letter names. */
function messageAt(messages: readonly KafkaMessage[], offset: number): KafkaMessage | undefined {
  let lo = 0;
  let hi = messages.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = Number(messages[mid]!.offset);
    if (at === offset) return messages[mid];
    if (at < offset) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}
