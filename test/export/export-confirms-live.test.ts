// The runbook's way to confirm live alerts: a scenario produced to the topics of a running live service, then
// `optout-verifier export` from those topics with the service's own Kafka settings (less its database and key) and
// `optout-verifier replay` of the exported files with the service's key, gives exactly the alerts the service
// stored (same ids, rules, states, every field), as of the service's stream time. The export is given no database
// and no key.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STREAM_NAMES, type StreamName } from '../../services/core/records.js';
import { replayScenario } from '../live/support/alert-views.js';
import { liveEnv, produce, waitUntil } from '../live/support/live-harness.js';
import { testResources } from '../live/support/test-resources.js';
import { LiveProbe } from '../live/support/live-probe.js';
import { seededRandom, shuffledOrder, simulateScenario, writeWriterSchemas } from '../live/support/scenario.js';
import { runCli } from '../stack/cli-entry.js';
import { testStack } from '../stack/test-context.js';

const SCENARIO = ['--seed', '13', '--practices', '3', '--patients', '1200', '--days', '150', '--start', '2018-01-01', '--opt-outs-per-year', '0.5',
  '--disseminations-per-week', '2%', '--faults', 'systmone-2018,late-receipts,phantom-objections,unfiltered-release,redeliveries'];
const SERVICE_ONLY = ['DATABASE_URL', 'DB_SCHEMA', 'PSEUDONYM_KEY_FILE', 'METRICS_PORT', 'LOG_LEVEL', 'IDLE_TIMEOUT', 'ALLOWED_LATENESS', 'TOPIC_ALERTS', 'TOPIC_DEADLETTER'];

describe('export, then replay, confirms the live service\'s alerts', () => {
  const stack = testStack();
  const made = testResources(stack);

  it('gives the stored alerts, ids and all, from the topics the service read', async () => {
    const setup = await made.live({ partitions: 3 });
    const scenario = await simulateScenario(join(setup.dir, 'scenario'), SCENARIO);
    await produce(setup, shuffledOrder(scenario.messages, 2 * 86_400_000, seededRandom(5)));
    const writerSchemas = await writeWriterSchemas(scenario, join(setup.dir, 'writer-schemas'));
    const env = liveEnv(setup, { ALLOWED_LATENESS: '10d', WRITER_SCHEMAS_DIR: writerSchemas });
    const running = await made.inProcess(setup, env);
    const probe = new LiveProbe(setup);
    let streamTime = 0;
    await waitUntil(`every record stored and every partition idle (log: ${running.logFile})`, async () => {
      const progress = await probe.progress();
      const latest = Math.max(...scenario.messages.map((m) => m.eventTime ?? 0));
      streamTime = progress.streamTimeMs ?? 0;
      return progress.ingested === scenario.messages.length && streamTime === latest;
    }, 60_000);
    const live = await probe.storedAlerts();
    expect(live.length).toBeGreaterThan(20);

    // The operator's export: the service's Kafka settings, without what only the service needs.
    const exportEnv = Object.fromEntries(Object.entries(env).filter(([name]) => !SERVICE_ONLY.includes(name)));
    const out = join(setup.dir, 'export');
    const run = await runCli(['export', '--out', out], exportEnv);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('no message was rejected');

    const files = Object.fromEntries(STREAM_NAMES.map((s) => [s, join(out, `${{ gpEvents: 'gp-events', ndsReceived: 'nds-received', ndsManifests: 'nds-manifests', ndsDisseminations: 'nds-disseminations' }[s]}.avro`)])) as { [S in StreamName]: string };
    const reportDir = join(setup.dir, 'report');
    await mkdir(reportDir);
    const replayed = await replayScenario({ ...scenario, dir: reportDir, files }, setup.keyFile, ['--as-of', new Date(streamTime).toISOString()]);
    expect(replayed.alerts).toEqual(live);
  });
});
