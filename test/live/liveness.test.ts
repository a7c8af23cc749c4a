// Liveness tied to progress: the service must not go quiet while looking alive. A consumer that kafkajs gives up
// on and that cannot be restarted ends the process (non-zero, saying why) for the orchestrator to restart; a
// consumer stalled with records waiting turns /readyz to 503 and the stall gauge on, with the lag gauge showing
// the records waiting.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { holdPartitionTableLock } from './support/database-faults.js';
import { liveEnv, produce, waitUntil } from './support/live-harness.js';
import { testResources } from './support/test-resources.js';
import { LiveProbe } from './support/live-probe.js';
import { simulateScenario, writeWriterSchemas } from './support/scenario.js';
import { ApiKey, startPrivateMockCluster, testStack } from '../stack/test-context.js';

const SCENARIO = ['--seed', '71', '--practices', '2', '--patients', '400', '--days', '60', '--start', '2018-02-01', '--opt-outs-per-year', '0.5',
  '--disseminations-per-week', '2%'];

async function readyz(port: number): Promise<{ status: number; checks: Record<string, boolean> }> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  const body = (await response.json()) as { checks: Record<string, boolean> };
  return { status: response.status, checks: body.checks };
}

describe('liveness', () => {
  const stack = testStack();
  const made = testResources(stack);

  // Regression: a consumer that kafkajs gave up on twice was never restarted, and the process never exited:
  // /healthz answered 200 and "deciding" was logged every 30 s while nothing was consumed.
  it('exits non-zero, saying why, when kafkajs gives up on the consumer twice', async () => {
    const mock = made.keep(await startPrivateMockCluster({ brokers: 3 }), (cluster) => cluster.stop());
    const setup = await made.live({
      partitions: 2, brokers: mock.bootstrapServers,
      createTopics: async (names, partitions) => { for (const name of names) await mock.createTopic(name, partitions); },
    });
    const scenario = await simulateScenario(join(setup.dir, 'scenario'), SCENARIO);
    await produce(setup, scenario.messages);
    const invalidRequest = 42;
    await mock.pushRequestErrors(ApiKey.SyncGroup, [invalidRequest, invalidRequest]);
    const service = made.child(setup, liveEnv(setup, { WRITER_SCHEMAS_DIR: await writeWriterSchemas(scenario, join(setup.dir, 'writer-schemas')) }), 'given-up');
    const exited = await Promise.race([service.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 90_000))]);
    const log = await readFile(service.logFile, 'utf8');
    expect(exited, `still running after 90 s; log: ${service.logFile}`).toEqual({ code: 1, signal: null });
    // Both faults landed: two give-ups, one restart in between, and the reason logged before the exit.
    expect(log.match(/"restart":false,"msg":"consumer crashed"/g)).toHaveLength(2);
    expect(log).toMatch(/starting a new consumer after a crash[\s\S]*kafkajs gave up on the consumer again soon after it was restarted: this process consumes nothing more, so it exits/);
    expect(log).toMatch(/"level":"fatal".*"msg":"stopping: the service cannot go on in this process; exit 1"/);
  });

  // Regression: a consumer stalled by a table lock held for 90 s kept /healthz and /readyz at 200, with the lag
  // gauge at 0.
  it('turns /readyz 503 and the stall gauge on, with the lag gauge above 0, while a table lock stalls the consumer past the stall timeout', async () => {
    const setup = await made.live({ partitions: 2 });
    const scenario = await simulateScenario(join(setup.dir, 'scenario'), SCENARIO);
    const gp = scenario.messages.filter((m) => m.stream === 'gpEvents');
    const half = Math.floor(gp.length / 2);
    await produce(setup, gp.slice(0, half));
    const running = await made.inProcess(setup, liveEnv(setup, {
      WRITER_SCHEMAS_DIR: await writeWriterSchemas(scenario, join(setup.dir, 'writer-schemas')), STALL_TIMEOUT: '3s', DB_LOCK_TIMEOUT: '500ms',
    }));
    const { service, registry } = running;
    const port = service.httpPort;
    const probe = new LiveProbe(setup);
    const stored = async () => (await probe.progress()).ingested;
    await waitUntil('the first half to be stored', async () => (await stored()) === half, 60_000);
    await waitUntil('/readyz 200', async () => (await readyz(port)).status === 200, 30_000);
    const gauge = async (name: string, labels: Record<string, string>) =>
      (await registry.getSingleMetric(name)!.get()).values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).map((v) => v.value);
    expect(await gauge('optout_verifier_input_stalled', { topic: setup.topics.gpEvents })).toEqual([0]);

    // A session holds a lock on the partition table that every ingest transaction needs, longer than STALL_TIMEOUT.
    const lock = await holdPartitionTableLock(setup.schema.databaseUrl);
    try {
      const retriesBefore = (await gauge('optout_verifier_postgresql_retries_total', {}))[0] ?? 0;
      await produce(setup, gp.slice(half));
      const stall = await waitUntil('/readyz 503 for a stalled input', async () => {
        const r = await readyz(port);
        return r.status === 503 && r.checks.progressing === false ? r : undefined;
      }, 30_000);
      expect(stall.checks).toMatchObject({ postgresql: true, kafka: true, consumerJoined: true, progressing: false });
      expect(await gauge('optout_verifier_input_stalled', { topic: setup.topics.gpEvents })).toEqual([1]);
      const lag = (await gauge('optout_verifier_consumer_lag_records', { topic: setup.topics.gpEvents })).reduce((a, b) => a + b, 0);
      expect(lag).toBeGreaterThan(0);
      // The fault landed while work was in flight: nothing more stored, and the lock timeout made ingest retry.
      expect(await stored()).toBe(half);
      expect((await gauge('optout_verifier_postgresql_retries_total', {}))[0]).toBeGreaterThan(retriesBefore);
      const healthz = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(healthz.status).toBe(200);
    } finally {
      await lock.release();
    }
    await waitUntil('every record stored after the lock is released', async () => (await stored()) === gp.length, 60_000);
    await waitUntil('/readyz 200 again', async () => (await readyz(port)).status === 200, 30_000);
    expect(await gauge('optout_verifier_input_stalled', { topic: setup.topics.gpEvents })).toEqual([0]);
    const log = await readFile(running.logFile, 'utf8');
    expect(log).toMatch(/input stalled: records are waiting[\s\S]*input moving again/);
  });
});
