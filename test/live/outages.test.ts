// Outages: every broker of a private mock cluster made unavailable and then back (the mock's fault calls), and
// PostgreSQL connections cut under the service. Each time the service reports it (/readyz, log, metrics), recovers
// by itself, and ends with the replay's alerts.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayScenario, type ReplayResult } from './support/alert-views.js';
import { liveEnv, produce, waitUntil, type LiveSetup } from './support/live-harness.js';
import { testResources } from './support/test-resources.js';
import { advisoryLockHolders, terminateConnections } from './support/database-faults.js';
import { LiveProbe } from './support/live-probe.js';
import { seededRandom, shuffledOrder, simulateScenario, writeWriterSchemas, type Scenario } from './support/scenario.js';
import { ApiKey, mockClusters, startPrivateMockCluster, testStack } from '../stack/test-context.js';

const DAY = 86_400_000;
const SCENARIO = ['--practices', '4', '--patients', '1500', '--days', '200', '--start', '2018-02-01', '--opt-outs-per-year', '0.5',
  '--disseminations-per-week', '2%', '--faults', 'systmone-2018,late-receipts,phantom-objections,bad-records,redeliveries'];

async function readyz(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  await response.body?.cancel();
  return response.status;
}

describe('outages', () => {
  const stack = testStack();
  const made = testResources(stack);

  async function finishAndCompare(setup: LiveSetup, scenario: Scenario, replayed: ReplayResult, total: number, logFile: string): Promise<void> {
    const probe = new LiveProbe(setup);
    await probe.waitSettled(replayed.asOf, logFile, { ingested: total });
    await probe.expectMatchesReplay(replayed, { readerGroup: stack.uniqueName('alerts-reader') });
  }

  // These two inject broker faults, which only librdkafka's mock cluster offers: they run wherever it can start.
  const withMockFaults = it.runIf(mockClusters().available);

  withMockFaults('recovers by itself when every broker of a private mock cluster goes away and comes back', async () => {
    const mock = made.keep(await startPrivateMockCluster({ brokers: 3 }), (cluster) => cluster.stop());
    const setup = await made.live({
      partitions: 3, brokers: mock.bootstrapServers,
      createTopics: async (names, partitions) => { for (const name of names) await mock.createTopic(name, partitions); },
    });
    const scenario = await simulateScenario(join(setup.dir, 'scenario'), ['--seed', '53', ...SCENARIO]);
    const replayed = await replayScenario(scenario, setup.keyFile);
    const order = shuffledOrder(scenario.messages, 3 * DAY, seededRandom(3));
    const half = Math.floor(order.length / 2);
    await produce(setup, order.slice(0, half));
    const running = await made.inProcess(setup, liveEnv(setup, { ALLOWED_LATENESS: '7d', WRITER_SCHEMAS_DIR: await writeWriterSchemas(scenario, join(setup.dir, 'writer-schemas')) }));
    const port = running.service.httpPort;
    const probe = new LiveProbe(setup);
    await waitUntil('the first half to be stored', async () => (await probe.progress()).ingested === half, 60_000);
    expect(await readyz(port)).toBe(200);

    for (const broker of [1, 2, 3]) await mock.brokerDown(broker);
    // The outage lasts until the service has reported it: /readyz says Kafka is unreachable, and it has retried.
    await waitUntil('/readyz to say Kafka is unreachable', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      const body = (await response.json()) as { checks: { kafka: boolean } };
      return response.status === 503 && !body.checks.kafka;
    }, 30_000);
    await waitUntil('the service to retry', async () => {
      const retries = (await running.registry.getSingleMetric('optout_verifier_kafka_retries_total')!.get()).values[0]?.value ?? 0;
      return retries > 0;
    }, 60_000);
    for (const broker of [1, 2, 3]) await mock.brokerUp(broker);

    await produce(setup, order.slice(half));
    await waitUntil('/readyz to say ready again', async () => (await readyz(port)) === 200, 30_000);
    await finishAndCompare(setup, scenario, replayed, order.length, running.logFile);
    const log = await readFile(running.logFile, 'utf8');
    expect(log).toMatch(/Kafka is unreachable/);
    expect(log).toMatch(/Kafka is reachable again/);
  });

  // Regression: a join that the broker answered with INVALID_REQUEST left kafkajs's consumer stopped for good
  // (it restarts only on errors it holds retriable), and the instance consumed nothing more.
  withMockFaults('starts a new consumer when kafkajs gives one up (INVALID_REQUEST on SyncGroup, injected by a private mock cluster)', async () => {
    const mock = made.keep(await startPrivateMockCluster({ brokers: 3 }), (cluster) => cluster.stop());
    const setup = await made.live({
      partitions: 2, brokers: mock.bootstrapServers,
      createTopics: async (names, partitions) => { for (const name of names) await mock.createTopic(name, partitions); },
    });
    const scenario = await simulateScenario(join(setup.dir, 'scenario'), ['--seed', '61', ...SCENARIO, '--days', '90']);
    const replayed = await replayScenario(scenario, setup.keyFile);
    const order = shuffledOrder(scenario.messages, 3 * DAY, seededRandom(6));
    await produce(setup, order);
    const invalidRequest = 42;
    await mock.pushRequestErrors(ApiKey.SyncGroup, [invalidRequest]);
    const running = await made.inProcess(setup, liveEnv(setup, { ALLOWED_LATENESS: '7d', WRITER_SCHEMAS_DIR: await writeWriterSchemas(scenario, join(setup.dir, 'writer-schemas')) }));
    await finishAndCompare(setup, scenario, replayed, order.length, running.logFile);
    const log = await readFile(running.logFile, 'utf8');
    expect(log).toMatch(/"restart":false,"msg":"consumer crashed"/);
    expect(log).toMatch(/starting a new consumer after a crash/);
  });

  it('recovers by itself when its PostgreSQL connections are cut, decider included', async () => {
    const setup = await made.live({ partitions: 3 });
    const scenario = await simulateScenario(join(setup.dir, 'scenario'), ['--seed', '59', ...SCENARIO]);
    const replayed = await replayScenario(scenario, setup.keyFile);
    const order = shuffledOrder(scenario.messages, 3 * DAY, seededRandom(4));
    const thirds = [0, 1, 2, 3].map((i) => Math.round((i * order.length) / 3));
    await produce(setup, order.slice(0, thirds[1]));
    const running = await made.inProcess(setup, liveEnv(setup, { ALLOWED_LATENESS: '7d', WRITER_SCHEMAS_DIR: await writeWriterSchemas(scenario, join(setup.dir, 'writer-schemas')) }));
    const db = setup.db;
    const probe = new LiveProbe(setup);
    const service = 'optout-verifier in-process';
    let decidedBefore = 0;
    for (const third of [1, 2]) {
      // Cut once the decider has committed since the last cut and holds its lock (its session is open again).
      decidedBefore = await waitUntil('records to be decided, by a decider holding its lock', async () => {
        const { decided } = await probe.progress();
        return decided > decidedBefore && (await advisoryLockHolders(db, service)) > 0 ? decided : undefined;
      }, 60_000);
      expect(await terminateConnections(db, service)).toBeGreaterThan(0);
      await produce(setup, order.slice(thirds[third], thirds[third + 1]));
    }
    await finishAndCompare(setup, scenario, replayed, order.length, running.logFile);
    const log = await readFile(running.logFile, 'utf8');
    expect(log).toMatch(/lost the decider connection|decider round failed/);
    expect(log).toMatch(/engine rebuilt; deciding[\s\S]*engine rebuilt; deciding/);
  });
});
