// The HTTP control channel through which test workers reach the mock cluster
// owned by globalSetup, exercised here on a private cluster so that no other
// test feels its faults.
import { createConnection } from 'node:net';

import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { mockControlClient, serveMockControl, type MockControlServer, type MockKafkaControl } from '../stack/mock-control.js';
import { mockClusters, startPrivateMockCluster, uniqueName, type MockCluster } from '../stack/test-context.js';

// Runs wherever librdkafka's mock cluster can start.
describe.runIf(mockClusters().available)('mock cluster control over HTTP', () => {
  let cluster: MockCluster;
  let server: MockControlServer;
  let control: MockKafkaControl;

  beforeAll(async () => {
    cluster = await startPrivateMockCluster({ brokers: 2 });
    server = await serveMockControl(cluster);
    control = mockControlClient(server.url);
  });

  afterAll(async () => {
    await server?.close();
    await cluster?.stop();
  });

  it('creates a topic that clients then see with its partitions', async () => {
    const topic = uniqueName('control');
    await control.createTopic(topic, 4);

    const admin = new Kafka({ clientId: 'control-test', brokers: cluster.bootstrapServers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(topics[0]?.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3]);
    } finally {
      await admin.disconnect();
    }
  });

  it('passes the cluster\'s refusal back to the caller', async () => {
    await expect(control.setRtt(99, 10)).rejects.toThrow(/setRtt failed: .*rtt 99 10.*Broker not available/);
  });

  it('refuses a topic name that is not one word of the launcher protocol', async () => {
    await expect(control.createTopic('a\nbroker-down 1', 1)).rejects.toThrow(/not a legal Kafka topic name/);
    await expect(control.brokerDown(1.5)).rejects.toThrow(/expected an integer/);
  });

  it('applies faults: a downed broker refuses connections until it is up again', async () => {
    await control.brokerDown(1);
    const [host, port] = cluster.bootstrapServers[0]!.split(':');
    await expect(connects(host!, Number(port))).resolves.toBe(false);
    await control.brokerUp(1);
    await expect(connects(host!, Number(port))).resolves.toBe(true);
  });
});

/** Whether the broker accepts a TCP connection. */
function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}
