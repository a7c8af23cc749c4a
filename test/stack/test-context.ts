// What an integration test uses to reach the servers globalSetup started.
// Every test makes its own topics, consumer groups and database schema with
// the functions here, so tests never see each other's data.
//
// kafkajs 2.2.4 against the mock cluster (kind 'local', librdkafka 2.0.2):
// - Works: produce (acks -1/1, gzip, headers, timestamps, explicit partitions),
//   fetch, consumer groups with auto or manual offset commits, seek,
//   pause/resume, admin.fetchTopicMetadata, fetchTopicOffsets(ByTimestamp),
//   fetchOffsets, listTopics.
// - Does not work: anything sent to the controller, because the mock reports
//   controller id 0, which is no broker: admin.createTopics/deleteTopics/
//   describeConfigs fail with "Broker 0 not found in the cached metadata", and
//   so does connect() of an idempotent or transactional producer. DescribeGroups,
//   ListGroups and DeleteGroups are not served, so admin.describeGroups,
//   listGroups, setOffsets, resetOffsets and deleteGroups fail with "does not
//   support the requested API version". Use createTopics() below for topics.
// - The mock creates an unknown topic (4 partitions) on first Metadata request
//   whatever allowAutoTopicCreation says; the Kafka container refuses it. Pass
//   `allowAutoTopicCreation: false` to producers so both behave like production
//   as far as the client is concerned, and create topics explicitly.
// - Group joins are slow on the mock: see testConsumerTimings.
// - For faults, give the client `retry: { initialRetryTime: 100,
//   maxRetryTime: 1000, retries: 30 }` or so: kafkajs's default gives up on a
//   down leader after about 10 s. A broker set down keeps its partitions, so
//   sends to them are retried until it is up again.
import { randomBytes } from 'node:crypto';

import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { inject } from 'vitest';

import { mockControlClient, type MockKafkaFaults } from './mock-control.js';
import { startMockCluster, type MockCluster } from './mock-kafka.js';
import type { MockClusters, StackKind } from './provided-stack.js';
import { startSchemaRegistryStandIn, type SchemaRegistryStandIn, type StandInOptions } from './schema-registry-stand-in.js';

export { captureKafkaLogs, type KafkaLogCapture } from './kafka-log-capture.js';
export { ApiKey, type MockKafkaFaults } from './mock-control.js';
export type { MockCluster } from './mock-kafka.js';
export type { MockClusters, StackKind } from './provided-stack.js';
export type { RegistryOutage, SchemaRegistryStandIn, StandInOptions } from './schema-registry-stand-in.js';

export interface FreshSchema {
  schema: string;
  /** The stack's database URL with search_path set to the schema (libpq `options` parameter). */
  databaseUrl: string;
  drop(): Promise<void>;
}

export interface TestStack {
  brokers: string[];
  databaseUrl: string;
  /** Where Kafka came from; 'local' means librdkafka's mock cluster. */
  kind: StackKind;
  /** Where PostgreSQL came from. */
  postgresKind: StackKind;
  createTopics(names: string[], partitions: number): Promise<void>;
  /** `<prefix>_<random hex>`: a name no other test uses, for a topic, consumer group or schema. */
  uniqueName(prefix: string): string;
  freshSchema(): Promise<FreshSchema>;
  /**
   * Fault injection on the shared mock cluster; null on any other Kafka. A fault
   * here reaches every test running at the time: prefer startPrivateMockCluster().
   */
  faults: MockKafkaFaults | null;
  /** The run's Schema Registry (container, stand-in or SCHEMA_REGISTRY_URL); subjects named from unique topics keep tests apart. */
  schemaRegistryUrl: string;
}

/**
 * Consumer timings that keep group tests short on every stack. The mock
 * cluster holds a first JoinGroup for 3 s and any later rebalance, including
 * the one after a member leaves, for about sessionTimeout - 1 s; 6 s is the
 * least a real broker accepts (group.min.session.timeout.ms). Below that the
 * mock drops members mid-rebalance. A short fetch wait lets disconnect()
 * return quickly instead of after a fetch long poll of up to 5 s.
 */
export const testConsumerTimings = { sessionTimeout: 6_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 500 } as const;

export function testStack(): TestStack {
  const { kafka, postgres, schemaRegistry } = inject('testStack');
  const control = kafka.mockControlUrl ? mockControlClient(kafka.mockControlUrl) : null;
  return {
    brokers: kafka.brokers,
    databaseUrl: postgres.url,
    kind: kafka.kind,
    postgresKind: postgres.kind,
    createTopics: async (names, partitions) => {
      if (control) {
        for (const name of names) await control.createTopic(name, partitions);
      } else {
        await createTopicsWithAdmin(kafka.brokers, names, partitions);
      }
    },
    uniqueName,
    freshSchema: () => freshSchema(postgres.url),
    faults: control,
    schemaRegistryUrl: schemaRegistry.url,
  };
}

/** A Schema Registry stand-in of the test's own, for outages, basic auth or TLS. Stop it when done. */
export function startPrivateSchemaRegistry(options: StandInOptions = {}): Promise<SchemaRegistryStandIn> {
  return startSchemaRegistryStandIn(options);
}

/**
 * Whether a test can start a mock cluster of its own here (librdkafka's, for its fault injection). Tests that need
 * one say so in their names and run only where it is available (`it.runIf(mockClusters().available)`); where it is
 * not (no librdkafka with KAFKA_BROKERS set or Docker answering), the stack's start line says why they are skipped.
 */
export function mockClusters(): MockClusters {
  return inject('testStack').mockClusters;
}

/** A mock cluster of the test's own, for faults that would disturb other tests. Stop it when done. */
export function startPrivateMockCluster(options: { brokers?: number } = {}): Promise<MockCluster> {
  return startMockCluster(options);
}

const legalPrefix = /^[a-zA-Z][a-zA-Z0-9_.-]*$/;

export function uniqueName(prefix: string): string {
  if (!legalPrefix.test(prefix)) throw new Error(`uniqueName: "${prefix}" must start with a letter and hold only letters, digits, _ . -`);
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

async function createTopicsWithAdmin(brokers: string[], names: string[], partitions: number): Promise<void> {
  const admin = new Kafka({ clientId: 'test-stack-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({
      topics: names.map((topic) => ({ topic, numPartitions: partitions })),
      waitForLeaders: true,
    });
    if (!created) throw new Error(`createTopics: some of ${names.join(', ')} already exist`);
  } finally {
    await admin.disconnect();
  }
}

async function freshSchema(url: string): Promise<FreshSchema> {
  const schema = uniqueName('test');
  await withClient(url, (client) => client.query(`CREATE SCHEMA ${schema}`));
  const withSearchPath = new URL(url);
  withSearchPath.searchParams.set('options', `-c search_path=${schema}`);
  return {
    schema,
    databaseUrl: withSearchPath.toString(),
    drop: () => withClient(url, (client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)),
  };
}

async function withClient(url: string, use: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await use(client);
  } finally {
    await client.end();
  }
}
