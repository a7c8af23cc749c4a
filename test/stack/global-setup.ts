// vitest globalSetup: finds or starts Kafka and PostgreSQL once per run and
// hands their addresses to the test workers (see provided-stack.ts).
//
// Each server is chosen on its own; the first that applies wins:
//   1. the environment: KAFKA_BROKERS (comma-separated host:port), DATABASE_URL;
//   2. a container, when a Docker engine answers (images in images.ts);
//   3. this machine: librdkafka's mock cluster with 3 brokers, and PostgreSQL at
//      postgres://postgres@127.0.0.1:5432/postgres.
// The Schema Registry: SCHEMA_REGISTRY_URL; a container on the Kafka container's network
// when Kafka is a container; otherwise the stand-in (schema-registry-stand-in.ts).
// This file is the test suite's composition root: the only one that reads the
// environment.
import pg from 'pg';
import type { TestProject } from 'vitest/node';

import { startKafkaContainer, startPostgresContainer, type StartedKafka } from './container-servers.js';
import { probeDocker, type DockerProbe } from './docker-probe.js';
import { serveMockControl, type MockControlServer } from './mock-control.js';
import { buildMockClusterLauncher, MockToolchainMissing, startMockCluster } from './mock-kafka.js';
import type { MockClusters, ProvidedStack } from './provided-stack.js';
import { startSchemaRegistryStandIn } from './schema-registry-stand-in.js';

const localPostgresUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
const localMockBrokers = 3;
const postgresConnectTimeoutMs = 5_000;

interface Chosen<T> {
  provided: T;
  /** One phrase for the log line: what was chosen and why. */
  story: string;
  stop?: () => Promise<void>;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const startedAt = performance.now();
  const kafkaBrokers = nonEmpty(process.env.KAFKA_BROKERS);
  const databaseUrl = nonEmpty(process.env.DATABASE_URL);
  const docker = kafkaBrokers && databaseUrl ? null : await probeDocker(process.env);

  const [kafka, postgres] = await Promise.allSettled([
    chooseKafka(kafkaBrokers, docker),
    choosePostgres(databaseUrl, docker),
  ]);
  const stops = [kafka, postgres].flatMap((result) => (result.status === 'fulfilled' && result.value.stop ? [result.value.stop] : []));
  const teardown = () => stopAll(stops);
  if (kafka.status === 'rejected' || postgres.status === 'rejected') {
    await teardown();
    throw kafka.status === 'rejected' ? kafka.reason : (postgres as PromiseRejectedResult).reason;
  }

  let registry: Chosen<ProvidedStack['schemaRegistry']>;
  try {
    await checkPostgres(postgres.value.provided.url);
    registry = await chooseSchemaRegistry(nonEmpty(process.env.SCHEMA_REGISTRY_URL), kafka.value.container);
    if (registry.stop) stops.push(registry.stop);
  } catch (error) {
    await teardown();
    throw error;
  }

  let mockClusters: MockClusters;
  try {
    mockClusters = kafka.value.provided.kind === 'local' ? { available: true } : await privateMockClusters();
  } catch (error) {
    await teardown();
    throw error;
  }
  const provided: ProvidedStack = { kafka: kafka.value.provided, postgres: postgres.value.provided, schemaRegistry: registry.provided, mockClusters };
  project.provide('testStack', provided);
  const elapsed = Math.round(performance.now() - startedAt);
  const faults = mockClusters.available ? 'available' : `unavailable, so the tests that need it are skipped (${mockClusters.why})`;
  console.info(`[test stack] Kafka: ${kafka.value.story}. PostgreSQL: ${postgres.value.story}. Schema Registry: ${registry.story}. `
    + `Private mock clusters for fault injection: ${faults}. Ready in ${elapsed} ms.`);
  return teardown;
}

async function chooseSchemaRegistry(fromEnv: string | undefined, kafkaContainer: StartedKafka | undefined): Promise<Chosen<ProvidedStack['schemaRegistry']>> {
  if (fromEnv) return { provided: { kind: 'env', url: fromEnv }, story: `${redacted(fromEnv)} from SCHEMA_REGISTRY_URL` };
  if (kafkaContainer) {
    const container = await kafkaContainer.startSchemaRegistry();
    return { provided: { kind: 'containers', url: container.value }, story: `container at ${container.value}, on the Kafka container's network`, stop: container.stop };
  }
  const standIn = await startSchemaRegistryStandIn();
  return { provided: { kind: 'local', url: standIn.url }, story: `stand-in at ${standIn.url} (SCHEMA_REGISTRY_URL unset; Kafka is not a container)`, stop: standIn.stop };
}

async function chooseKafka(fromEnv: string | undefined, docker: DockerProbe | null): Promise<Chosen<ProvidedStack['kafka']> & { container?: StartedKafka }> {
  if (fromEnv) {
    const brokers = fromEnv.split(',').map((broker) => broker.trim()).filter(Boolean);
    return { provided: { kind: 'env', brokers, mockControlUrl: null }, story: `${brokers.join(',')} from KAFKA_BROKERS` };
  }
  if (docker?.found) {
    const container = await startKafkaContainer();
    return {
      provided: { kind: 'containers', brokers: container.value.brokers, mockControlUrl: null },
      story: `container at ${container.value.brokers.join(',')} (KAFKA_BROKERS unset; Docker answered at ${docker.where})`,
      stop: container.stop,
      container: container.value,
    };
  }
  const cluster = await startMockCluster({ brokers: localMockBrokers });
  let control: MockControlServer;
  try {
    control = await serveMockControl(cluster);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return {
    provided: { kind: 'local', brokers: cluster.bootstrapServers, mockControlUrl: control.url },
    story: `librdkafka mock cluster, ${localMockBrokers} brokers at ${cluster.bootstrapServers.join(',')} `
      + `(KAFKA_BROKERS unset; no Docker: ${docker?.found === false ? docker.why : 'not probed'})`,
    stop: () => stopAll([cluster.stop, control.close]),
  };
}

/**
 * Tests that inject broker faults start librdkafka's mock cluster of their own, whatever Kafka the others use. It is
 * built here when it can be; only a missing compiler or librdkafka makes it unavailable, and then those tests are
 * skipped and the start line says why. Any other build failure fails the run.
 */
async function privateMockClusters(): Promise<MockClusters> {
  try {
    await buildMockClusterLauncher();
    return { available: true };
  } catch (error) {
    if (error instanceof MockToolchainMissing) return { available: false, why: error.message };
    throw error;
  }
}

async function choosePostgres(fromEnv: string | undefined, docker: DockerProbe | null): Promise<Chosen<ProvidedStack['postgres']>> {
  if (fromEnv) return { provided: { kind: 'env', url: fromEnv }, story: `${redacted(fromEnv)} from DATABASE_URL` };
  if (docker?.found) {
    const container = await startPostgresContainer();
    return {
      provided: { kind: 'containers', url: container.value },
      story: `container at ${redacted(container.value)} (DATABASE_URL unset; Docker answered at ${docker.where})`,
      stop: container.stop,
    };
  }
  return { provided: { kind: 'local', url: localPostgresUrl }, story: `${localPostgresUrl} (DATABASE_URL unset; no Docker)` };
}

/** Fails the run at once, with the address, rather than in every test. */
async function checkPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: postgresConnectTimeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`PostgreSQL at ${redacted(url)} did not answer (${(error as Error).message}); `
      + 'start it there, or set DATABASE_URL, or run a Docker engine', { cause: error });
  } finally {
    await client.end().catch(() => {});
  }
}

/** Stops in reverse order of start; every stop runs even when one fails. */
async function stopAll(stops: Array<() => Promise<void>>): Promise<void> {
  const failures: unknown[] = [];
  for (const stop of [...stops].reverse()) {
    try {
      await stop();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, 'Stopping the test stack failed');
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
