// Input record batches compressed by librdkafka's own producer, one codec per topic (lz4, zstd, snappy, gzip): the
// live service reads every record and gives the replay's alerts, dead letters and duplicates. kafkajs has only gzip
// of its own; without the service's codecs a fetch of any other fails for good and nothing is read.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STREAM_NAMES, type StreamName } from '../../services/core/records.js';
import { replayScenario } from './support/alert-views.js';
import { liveEnv } from './support/live-harness.js';
import { LiveProbe } from './support/live-probe.js';
import { simulateScenario, writeWriterSchemas } from './support/scenario.js';
import { testResources } from './support/test-resources.js';
import { mockClusters, startPrivateMockCluster, testStack } from '../stack/test-context.js';

const SCENARIO = ['--seed', '23', '--practices', '2', '--patients', '500', '--days', '120', '--start', '2018-01-01', '--opt-outs-per-year', '0.5',
  '--disseminations-per-week', '2%', '--faults', 'systmone-2018,late-receipts,unfiltered-release,bad-records,redeliveries'];
const CODEC: { readonly [S in StreamName]: 'lz4' | 'zstd' | 'snappy' | 'gzip' } = { gpEvents: 'lz4', ndsReceived: 'zstd', ndsManifests: 'snappy', ndsDisseminations: 'gzip' };

describe('compressed input', () => {
  const stack = testStack();
  const made = testResources(stack);

  it.runIf(mockClusters().available)('reads batches librdkafka compressed with lz4, zstd, snappy and gzip, to the replay\'s answers', async () => {
    const mock = made.keep(await startPrivateMockCluster({ brokers: 1 }), (cluster) => cluster.stop());
    const setup = await made.live({
      partitions: 1, brokers: mock.bootstrapServers,
      createTopics: async (names, partitions) => { for (const name of names) await mock.createTopic(name, partitions); },
    });
    const scenario = await simulateScenario(join(setup.dir, 'scenario'), SCENARIO);
    const replayed = await replayScenario(scenario, setup.keyFile);
    for (const stream of STREAM_NAMES) {
      const values = scenario.messages.filter((m) => m.stream === stream).map((m) => m.value);
      expect(values.length).toBeGreaterThan(0);
      await mock.produceWithLibrdkafka(setup.topics[stream], 0, CODEC[stream], values);
    }
    // `optout-verifier run` as a process of its own: the codecs are registered as a deployment loads them.
    const service = made.child(setup, liveEnv(setup, { WRITER_SCHEMAS_DIR: await writeWriterSchemas(scenario, join(setup.dir, 'writer-schemas')) }), 'compressed');
    const probe = new LiveProbe(setup);
    await probe.waitSettled(replayed.asOf, service.logFile, { ingested: scenario.messages.length, timeoutMs: 90_000 });
    expect(replayed.alerts.length).toBeGreaterThan(10);
    await probe.expectMatchesReplay(replayed, { readerGroup: stack.uniqueName('alerts-reader'), records: scenario.messages.length });
  });
});
