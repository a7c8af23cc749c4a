// kafkajs against the run's Kafka over TCP: a consumer group reads a
// 3-partition topic and commits; a later member of the group resumes from
// the committed offsets rather than from the beginning.
import { Kafka, type Consumer } from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { captureKafkaLogs, testConsumerTimings, testStack } from '../stack/test-context.js';

const partitions = 3;
const waitOptions = { timeout: 15_000, interval: 50 };

describe('Kafka consumer group on the test stack', () => {
  const consumers: Consumer[] = [];
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.disconnect()));
  });

  it('consumes every partition, commits, and a second member resumes from the commits', async () => {
    const stack = testStack();
    const topic = stack.uniqueName('smoke-group');
    const groupId = stack.uniqueName('smoke-group');
    await stack.createTopics([topic], partitions);

    const logs = captureKafkaLogs();
    const kafka = new Kafka({ clientId: 'stack-smoke', brokers: stack.brokers, logLevel: logs.logLevel, logCreator: logs.logCreator });
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();

    const firstBatch = messages('first', 30);
    await producer.send({ topic, messages: firstBatch });

    const first = kafka.consumer({ groupId, ...testConsumerTimings });
    consumers.push(first);
    const firstSeen: string[] = [];
    await first.connect();
    await first.subscribe({ topic, fromBeginning: true });
    await first.run({ eachMessage: async ({ message }) => { firstSeen.push(String(message.value)); } });

    await vi.waitFor(() => expect(firstSeen).toHaveLength(firstBatch.length), waitOptions);
    expect(new Set(firstSeen)).toEqual(new Set(firstBatch.map((message) => message.value)));
    const perPartition = firstBatch.length / partitions;
    await vi.waitFor(async () => {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      expect(committed?.partitions.map((p) => [p.partition, p.offset]).sort())
        .toEqual([[0, String(perPartition)], [1, String(perPartition)], [2, String(perPartition)]]);
    }, waitOptions);
    await first.disconnect();

    const secondBatch = messages('second', 15);
    await producer.send({ topic, messages: secondBatch });

    const second = kafka.consumer({ groupId, ...testConsumerTimings });
    consumers.push(second);
    const secondSeen: string[] = [];
    await second.connect();
    // fromBeginning applies only without a committed offset; the group has one.
    await second.subscribe({ topic, fromBeginning: true });
    await second.run({ eachMessage: async ({ message }) => { secondSeen.push(String(message.value)); } });

    await vi.waitFor(() => expect(secondSeen).toHaveLength(secondBatch.length), waitOptions);
    // Each partition is read in offset order, so a member that had started from
    // the beginning would have delivered first-batch messages before these.
    expect(new Set(secondSeen)).toEqual(new Set(secondBatch.map((message) => message.value)));

    await producer.disconnect();
    await admin.disconnect();
  });
});

/** Spread evenly over the partitions, so each one takes part. */
function messages(batch: string, count: number): Array<{ partition: number; key: string; value: string }> {
  return Array.from({ length: count }, (_, i) => ({ partition: i % partitions, key: `${batch}-${i}`, value: `${batch}-${i}` }));
}
