// Faults on a mock cluster of the test's own: the producer's retries carry a
// send across a partition leader outage and an injected broker error, and the
// consumer then reads every message exactly once.
import { Kafka, logLevel, type Admin, type Consumer, type Producer, type RetryOptions } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import {
  ApiKey, captureKafkaLogs, mockClusters, startPrivateMockCluster, testConsumerTimings, uniqueName,
  type KafkaLogCapture, type MockCluster,
} from '../stack/test-context.js';

const waitOptions = { timeout: 15_000, interval: 50 };
// Enough attempts to outlast an outage of a few seconds; kafkajs's default
// (5 retries) gives up after about 10 s.
const retry: RetryOptions = { initialRetryTime: 100, maxRetryTime: 1_000, retries: 30 };
/** Kafka protocol error NOT_LEADER_OR_FOLLOWER, retriable. */
const notLeaderOrFollower = 6;

// Runs wherever librdkafka's mock cluster can start (its fault injection has no equivalent on other brokers).
describe.runIf(mockClusters().available)('Kafka broker faults on a private mock cluster', () => {
  let cluster: MockCluster;
  let logs: KafkaLogCapture;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const consumers: Consumer[] = [];

  beforeEach(async () => {
    cluster = await startPrivateMockCluster({ brokers: 3 });
    logs = captureKafkaLogs();
    kafka = new Kafka({ clientId: 'broker-fault', brokers: cluster.bootstrapServers, retry, logLevel: logs.logLevel, logCreator: logs.logCreator });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: false, retry });
    await producer.connect();
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.disconnect()));
    await producer.disconnect();
    await admin.disconnect();
    await cluster.stop();
  });

  it('retries a send while the partition leader is down and delivers it once the leader is back', async () => {
    const topic = uniqueName('leader-down');
    await cluster.createTopic(topic, 3);
    const leader = await leaderOf(admin, topic, 0);
    await producer.send({ topic, messages: [{ partition: 0, value: 'before' }] });

    await cluster.brokerDown(leader);
    const failuresBefore = logs.entries.length;
    let settled = false;
    const sending = producer.send({ topic, messages: [{ partition: 0, value: 'during-1' }, { partition: 0, value: 'during-2' }] })
      .finally(() => { settled = true; });
    await vi.waitFor(() => expect(connectionFailures(logs, failuresBefore)).toBeGreaterThan(0), waitOptions);
    expect(settled).toBe(false);

    await cluster.brokerUp(leader);
    await sending;

    await expectExactlyOnce(topic, ['before', 'during-1', 'during-2']);
  });

  it('retries a send that a broker refuses with a retriable error', async () => {
    const topic = uniqueName('produce-error');
    await cluster.createTopic(topic, 3);
    await cluster.pushRequestErrors(ApiKey.Produce, [notLeaderOrFollower, notLeaderOrFollower]);

    await producer.send({ topic, messages: [{ partition: 1, value: 'refused-twice' }] });

    expect(logs.entries.some((entry) => /not the leader/i.test(String(entry.log.error)))).toBe(true);
    await expectExactlyOnce(topic, ['refused-twice']);
  });

  /** The log holds exactly these messages (by high watermarks) and a consumer reads each once. */
  async function expectExactlyOnce(topic: string, values: string[]): Promise<void> {
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0)).toBe(values.length);

    const consumer = kafka.consumer({ groupId: uniqueName('fault-reader'), ...testConsumerTimings });
    consumers.push(consumer);
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => { seen.push(String(message.value)); } });
    await vi.waitFor(() => expect(seen).toHaveLength(values.length), waitOptions);
    expect([...seen].sort()).toEqual([...values].sort());
  }
});

async function leaderOf(admin: Admin, topic: string, partition: number): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const leader = topics[0]?.partitions.find((p) => p.partitionId === partition)?.leader;
  if (leader === undefined) throw new Error(`no leader for ${topic}/${partition}`);
  return leader;
}

function connectionFailures(logs: KafkaLogCapture, from: number): number {
  return logs.entries.slice(from).filter((entry) => entry.level === logLevel.ERROR && /Connection error|ECONNREFUSED|Closed connection/i.test(entry.log.message)).length;
}
