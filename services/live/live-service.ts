// The live service assembled from its parts, given a parsed configuration and the files it names. main.ts is the
// composition root that reads the environment; this function only wires what it is given.
import { Partitioners } from 'kafkajs';
import type { Logger } from 'pino';
import { collectDefaultMetrics, type Registry } from 'prom-client';
import { AlertValueEncoder } from '../codec/alert-codec.js';
import { alertSchemaJson } from '../codec/schema-catalog.js';
import type { ValueFraming } from '../codec/stream-value-codec.js';
import { DEAD_LETTER_REASONS } from '../core/dead-letter-reason.js';
import { STREAM_NAMES, type StreamName } from '../core/records.js';
import { storedPseudonymIdentity } from '../identity/stored-pseudonym-identity.js';
import { AlertPublisher } from './publish/alert-publisher.js';
import { withRetry } from './backoff.js';
import { databaseTls, type LiveConfig } from './config.js';
import { DecisionMetrics } from './decide/decision-metrics.js';
import { Decider, DEFAULT_DECIDER_TIMINGS } from './decide/decider.js';
import type { DeploymentFiles } from './deployment-files.js';
import { brokerFailure, describeFailure, registryFailure, VerifierError } from './errors.js';
import { serveHttpEndpoints, type HttpEndpoints } from './ops/http-endpoints.js';
import { Ingest, type InputRoute } from './ingest/ingest.js';
import { databaseConnection } from './store/database-connection.js';
import { IngestAccounting } from './ingest/ingest-accounting.js';
import { InputProgress } from './ops/input-progress.js';
import { kafkaInputTopology, kafkaLogStart } from './kafka/input-topology.js';
import { createKafka, kafkaTransport } from './kafka/kafka-client.js';
import { kafkaAlertSink, kafkaDeadLetterSink } from './kafka/kafka-sinks.js';
import { missingTopics } from './kafka/missing-topics.js';
import { IntakeThread } from './ingest/intake-thread.js';
import { createVerifierMetrics, type VerifierMetrics } from './ops/metrics.js';
import { describeMigration, migrate, migrationStatus } from './store/migration-runner.js';
import { PgStateStore } from './store/pg-state-store.js';
import { Readiness } from './ops/readiness.js';
import { startHealthProbes } from './ops/health-probes.js';
import { retryReporter } from './ops/retry-reporting.js';
import { SchemaRegistryClient } from '../schema-registry/registry-client.js';
import { topicValueSubject } from '../schema-registry/registry-settings.js';
import { writerSchemasWatched } from './kafka/schema-registry-readiness.js';

export interface LiveServiceEnvironment {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly build: { readonly version: string; readonly commit?: string };
  readonly instanceName: string;
}

export interface LiveService {
  readonly readiness: Readiness;
  readonly metrics: VerifierMetrics;
  readonly httpPort: number;
  readonly decider: Decider;
  /** Settles when the service cannot go on in this process (a consumer that cannot be restarted): stop and exit non-zero. */
  readonly failed: Promise<Error>;
  /** Finishes the batch in hand, commits, leaves the group, closes every connection. */
  stop(): Promise<void>;
}

const HEALTH_PROBE_MS = 2_000;
const ACCOUNTING_CHECK_MS = 5_000;

export async function startLiveService(config: LiveConfig, files: DeploymentFiles, env: LiveServiceEnvironment): Promise<LiveService> {
  const { logger, registry } = env;
  const inputTopics = STREAM_NAMES.map((s) => config.topics[s]);
  const metrics = createVerifierMetrics(registry, env.build, {
    inputTopics, deadLetterReasons: DEAD_LETTER_REASONS, inputStreams: Object.fromEntries(STREAM_NAMES.map((s) => [config.topics[s], s])),
  });
  // Process metrics (CPU, memory, event-loop lag, open handles) on the service's own registry.
  collectDefaultMetrics({ register: registry });
  const readiness = new Readiness(config.schemaRegistry === null ? [] : ['schemaRegistry']);
  const retry = retryReporter(logger, metrics);
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const shouldStop = () => stopping;
  const stopAll = async () => {
    stopping = true;
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        logger.warn({ error: describeFailure(error) }, 'error while stopping');
      }
    }
  };

  try {
    const http: HttpEndpoints = await serveHttpEndpoints(config.metricsPort, registry, readiness, config.metricsHost);
    stops.push(() => http.close());
    logger.info({ host: config.metricsHost, port: http.port }, 'serving /metrics, /healthz and /readyz');

    const { url, schema } = config.database;
    const connection = databaseConnection(url, {
      password: files.databasePassword, statementTimeoutMs: config.database.statementTimeoutMs, lockTimeoutMs: config.database.lockTimeoutMs,
    });
    if (config.database.migrateOnStart) {
      // A migration may rewrite a large table: its statements may take up to an hour (the lock timeout still holds).
      const migrating = { ...connection, statementTimeoutMs: Math.max(config.database.statementTimeoutMs, 3_600_000) };
      const applied = await withRetry('migrating the database', () => migrate(migrating, schema, { pseudonymKey: files.pseudonymKey }), retry, { shouldStop });
      logger.info({ schema, applied: applied.map(describeMigration) }, applied.length > 0 ? 'applied database migrations' : 'database schema is up to date');
    } else {
      const status = await withRetry('checking the database schema', () => migrationStatus(connection, schema), retry, { shouldStop });
      if (status.pending.length > 0) {
        throw new VerifierError('SCHEMA_NOT_MIGRATED', `schema ${schema} lacks migrations ${status.pending.map(describeMigration).join(', ')}: run \`optout-verifier migrate\` or start with --migrate`, { retriable: false });
      }
      logger.info({ schema, migrations: status.applied.length }, 'database schema is up to date');
    }
    readiness.set('migrated', true);

    const store = new PgStateStore({
      databaseUrl: url, schema, poolSize: config.database.poolSize, applicationName: `optout-verifier ${env.instanceName}`,
      password: files.databasePassword, statementTimeoutMs: config.database.statementTimeoutMs, lockTimeoutMs: config.database.lockTimeoutMs,
      onConnectionError: (error) => logger.warn({ error: error.message }, 'an idle PostgreSQL connection failed'),
    });
    stops.push(() => store.close());
    await withRetry('connecting to PostgreSQL', () => store.ping(), retry, { shouldStop });
    readiness.set('postgresql', true);
    const security = await withRetry('reading the PostgreSQL connection\'s TLS state', () => store.connectionSecurity(), retry, { shouldStop });
    const requested = databaseTls(url);
    logger[security.tls || requested.socket ? 'info' : 'warn']({
      schema, tls: security.tls, sslmode: requested.sslmode, tlsVersion: security.version, cipher: security.cipher, socket: requested.socket,
      statementTimeoutMs: config.database.statementTimeoutMs, lockTimeoutMs: config.database.lockTimeoutMs,
    }, security.tls ? 'connected to PostgreSQL over TLS' : 'connected to PostgreSQL WITHOUT TLS');

    const kafka = createKafka(config, files, logger);
    const admin = kafka.admin();
    stops.push(() => admin.disconnect());
    const required = [...inputTopics, config.topics.alerts, config.topics.deadLetter];
    await withRetry('checking the topics', async () => {
      const missing = await missingTopics(admin, required);
      if (missing.length > 0) {
        throw new VerifierError('BROKER_UNAVAILABLE', `topics missing: ${missing.join(', ')}; create them (the service never creates topics)`, { retriable: true });
      }
    }, retry, { shouldStop });
    readiness.set('kafka', true);
    const kafkaTls = kafkaTransport(config.kafka);
    logger[kafkaTls.tls ? 'info' : 'warn']({ brokers: config.kafka.brokers, topics: config.topics, ...kafkaTls },
      `connected to Kafka${kafkaTls.tls ? ' over TLS' : ' WITHOUT TLS'}; every topic is there`);

    const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await withRetry('connecting the producer', async () => {
      try {
        await producer.connect();
      } catch (error) {
        throw brokerFailure(error, 'connecting the producer');
      }
    }, retry, { shouldStop });
    stops.push(() => producer.disconnect());

    const schemaRegistry = config.schemaRegistry === null ? null : new SchemaRegistryClient({
      url: config.schemaRegistry.url, username: config.schemaRegistry.username, password: files.schemaRegistry?.password ?? null,
      ca: files.schemaRegistry?.ca ?? null, timeoutMs: config.schemaRegistry.timeoutMs,
    });
    if (schemaRegistry !== null) {
      stops.push(async () => schemaRegistry.close());
      // Not ready only once a request has failed: with nothing to register, the first is for a record's schema.
      if (config.alertEncoding !== 'confluent') readiness.set('schemaRegistry', true);
    }
    let encoder = new AlertValueEncoder();
    if (config.alertEncoding === 'confluent') {
      const subject = topicValueSubject(config.topics.alerts);
      const schemaId = await withRetry('registering the alert schema', () => schemaRegistry!.schemaIdUnder(subject, alertSchemaJson()).catch((error: unknown) => { throw registryFailure(error); }), retry, { shouldStop });
      readiness.set('schemaRegistry', true);
      logger.info({ subject, schemaId }, 'alerts are written in the Confluent format');
      encoder = new AlertValueEncoder({ kind: 'confluent', schemaId });
    }

    // Ingest stores each patient's keyed pseudonym in place of the NHS number; the decider's records carry it.
    const identity = storedPseudonymIdentity();
    const publisher = new AlertPublisher({ store, sink: kafkaAlertSink(producer, config.topics.alerts), metrics, logger, retry }, { batchSize: 500, sweepMs: 2_000 });
    publisher.start();
    stops.push(() => publisher.stop());

    const streamOfTopic = new Map<string, StreamName>(STREAM_NAMES.map((s) => [config.topics[s], s]));
    // The decider asks for end offsets every round or so: a client that fails fast, so a round never waits long.
    const topologyAdmin = kafka.admin({ retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1_000 } });
    stops.push(() => topologyAdmin.disconnect());
    const decider = new Decider({
      store, topology: kafkaInputTopology(topologyAdmin, inputTopics), streamOfTopic, identity,
      encodeAlert: (change) => encoder.encode(change), metrics, decisionMetrics: new DecisionMetrics(metrics, Date.now), logger, retry,
      onAlertsCommitted: () => publisher.wake(),
      onLeadership: (leading) => publisher.setActive(leading), handOver: () => publisher.handOver(), standDown: () => publisher.standDown(),
      monotonicNow: () => performance.now(), wallNow: Date.now,
    }, {
      slaMs: config.slaMs, graceMs: config.graceMs, allowedLatenessMs: config.allowedLatenessMs, idleTimeoutMs: config.idleTimeoutMs,
      maxFutureMs: config.maxFutureMs, horizonMs: Math.max(config.dedupHorizonMs, config.allowedLatenessMs), instanceName: env.instanceName, ...DEFAULT_DECIDER_TIMINGS,
      snapshotEveryRecords: config.snapshotEveryRecords, deadLetterRetentionMs: config.deadLetterRetentionMs, standbyWarm: config.standbyWarm,
    });
    decider.start();
    stops.push(() => decider.stop());

    const writerSchemas = schemaRegistry === null ? null : writerSchemasWatched(schemaRegistry, readiness);
    const framingOf = (stream: StreamName): ValueFraming => (files.framing === null ? { kind: 'confluent', registry: writerSchemas! } : files.framing[stream]);
    // Decoding, validation, pseudonyms and stored lines are made on a thread of their own (intake-thread.ts).
    const intake = new IntakeThread({ streams: STREAM_NAMES.map((stream) => ({ stream, framing: framingOf(stream) })), catalogue: files.catalogue, pseudonymKey: files.pseudonymKey });
    stops.push(() => intake.close());
    const routes = new Map<string, InputRoute>(STREAM_NAMES.map((stream) => [config.topics[stream], { stream, intake: intake.intakeFor(stream) }]));
    const progress = new InputProgress(metrics, readiness, logger, { stallTimeoutMs: config.stallTimeoutMs, inputTopics, now: () => performance.now() });
    const ingest = new Ingest({
      kafka, routes, store, deadLetters: kafkaDeadLetterSink(producer, config.topics.deadLetter, (letter) => {
        metrics.deadLetterValuesOmitted.inc({ topic: letter.sourceTopic });
        logger.warn({ sourceTopic: letter.sourceTopic, sourcePartition: letter.sourcePartition, sourceOffset: letter.sourceOffset, bytes: letter.value?.length ?? 0 },
          'the dead-letter topic refused a record as too large: its dead letter went without the record\'s bytes, which stay on the source topic');
      }),
      metrics, logger, readiness, retry, now: Date.now,
      logStart: kafkaLogStart(topologyAdmin), onStored: (batch) => decider.stored(batch), progress, monotonicNow: () => performance.now(),
    }, {
      groupId: config.kafka.groupId, sessionTimeoutMs: config.kafka.sessionTimeoutMs, heartbeatIntervalMs: config.kafka.heartbeatIntervalMs,
      fetchMaxWaitMs: config.kafka.fetchMaxWaitMs, partitionsConsumedConcurrently: Math.max(1, Math.min(8, config.database.poolSize - 2)),
    });
    stops.push(() => ingest.stop());
    await intake.ready;
    await ingest.start();
    const accounting = new IngestAccounting(store, metrics, logger, ACCOUNTING_CHECK_MS);
    stops.push(() => accounting.stop());

    // Its own admin client without retries, so a probe fails fast while a broker is away.
    const probeAdmin = kafka.admin({ retry: { retries: 0 } });
    stops.push(() => probeAdmin.disconnect());
    const probes = startHealthProbes(store, probeAdmin, readiness, logger, HEALTH_PROBE_MS, {
      inputs: { progress, topics: inputTopics }, outbox: { metrics, wallNow: Date.now },
    });
    stops.push(() => probes.stop());

    return { readiness, metrics, httpPort: http.port, decider, failed: Promise.race([ingest.failed, intake.failed]), stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
