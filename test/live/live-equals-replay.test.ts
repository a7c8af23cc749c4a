// live = replay: a simulated scenario with faults, produced to the topics over several partitions in a shuffled
// order, gives the live service the same alerts (ids, rules, states, every field) in PostgreSQL and on the alerts
// topic as `optout-verifier replay` over the same files with the same key, and the same dead letters and
// duplicates. The run reaches the replay's as-of time (the latest event time) when every partition has been read
// and idle for the idle timeout: stream time then moves up to the latest event time read.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEAD_LETTER_REASONS } from '../../services/core/dead-letter-reason.js';
import { STREAM_NAMES } from '../../services/core/records.js';
import { replayScenario, storedAlerts, topicAlerts } from './support/alert-views.js';
import { dumpSchema, nhsNumbersIn } from './support/schema-dump.js';
import { liveEnv, prepareLive, produce, startInProcess, waitUntil, type InProcessService, type LiveSetup } from './support/live-harness.js';
import { seededRandom, shuffledOrder, simulateScenario, writeWriterSchemas } from './support/scenario.js';
import { testStack } from '../stack/test-context.js';

const DAY = 86_400_000;
const SCENARIO = ['--seed', '7', '--practices', '4', '--patients', '2000', '--days', '300', '--start', '2017-11-01', '--opt-outs-per-year', '0.5',
  '--disseminations-per-week', '2%', '--faults', 'systmone-2018,late-receipts,phantom-objections,revoked-objections,dropped-withdrawals,unfiltered-release,bad-records,redeliveries'];

describe('the live service gives the replay\'s answers', () => {
  const stack = testStack();
  let setup: LiveSetup | undefined;
  let running: InProcessService | undefined;

  afterEach(async () => {
    await running?.service.stop();
    running = undefined;
    await setup?.cleanUp();
    setup = undefined;
  });

  async function runAndCompare(options: { seed: number; maxDisorderMs: number; lateness: string }): Promise<void> {
    setup = await prepareLive(stack, { partitions: 4 });
    const scenario = await simulateScenario(join(setup.dir, 'scenario'), SCENARIO);
    const replayed = await replayScenario(scenario, setup.keyFile);
    expect(replayed.alerts.length).toBeGreaterThan(100);
    await produce(setup, shuffledOrder(scenario.messages, options.maxDisorderMs, seededRandom(options.seed)));

    const writerSchemas = await writeWriterSchemas(scenario, join(setup.dir, 'writer-schemas'));
    running = await startInProcess(setup, liveEnv(setup, { ALLOWED_LATENESS: options.lateness, WRITER_SCHEMAS_DIR: writerSchemas }));
    const db = setup.db;
    await waitUntil(`stream time to reach the replay's as-of ${new Date(replayed.asOf).toISOString()} (log: ${running.logFile})`, async () => {
      const state = await db.query('SELECT stream_time_ms FROM decider_state');
      const unsent = await db.query('SELECT count(*)::int AS n FROM alert_outbox WHERE sent_at IS NULL');
      return Number(state.rows[0].stream_time_ms) === replayed.asOf && unsent.rows[0].n === 0;
    }, 60_000);

    const consumed = await db.query('SELECT sum(next_offset)::int AS n, sum(duplicates)::int AS duplicates FROM input_partitions');
    expect(consumed.rows[0].n).toBe(scenario.messages.length);
    expect(await storedAlerts(db)).toEqual(replayed.alerts);

    const outbox = await db.query('SELECT count(*)::int AS n FROM alert_outbox');
    const onTopic = await topicAlerts(setup.kafka, setup.topics.alerts, outbox.rows[0].n, stack.uniqueName('alerts-reader'));
    expect(onTopic.undecodable).toBe(0);
    expect(onTopic.keysMatch).toBe(true);
    expect(onTopic.alerts).toEqual(replayed.alerts);

    const deadLetters = await db.query('SELECT reason, count(*)::int AS n FROM dead_letters GROUP BY reason');
    const byReason = Object.fromEntries(DEAD_LETTER_REASONS.map((r) => [r, 0]));
    for (const row of deadLetters.rows) byReason[row.reason] = row.n;
    expect(byReason).toEqual(replayed.report.deadLetters.byReason);
    const duplicates = await db.query('SELECT topic, sum(duplicates)::int AS n FROM input_partitions GROUP BY topic');
    const duplicatesByStream = Object.fromEntries(STREAM_NAMES.map((s) => [s, duplicates.rows.find((r) => r.topic === setup!.topics[s])?.n ?? 0]));
    expect(duplicatesByStream).toEqual(replayed.report.duplicates.byInput);

    // Within the allowed lateness no record was late: the guarantee under which live equals replay.
    const late = (await running.registry.getSingleMetricAsString('optout_verifier_late_records_total')).split('\n').filter((l) => !l.startsWith('#'));
    expect(late.every((line) => line.endsWith(' 0'))).toBe(true);

    // The database holds keyed pseudonyms only: a dump of the whole schema has none of the scenario's NHS numbers.
    const nhsNumbers = new Set(scenario.messages.filter((m) => m.stream !== 'ndsManifests' && /^[0-9]{10}$/.test(m.key)).map((m) => m.key));
    expect(nhsNumbers.size).toBeGreaterThan(100);
    expect(nhsNumbersIn(await dumpSchema(setup.databaseUrl, setup.schema.schema), nhsNumbers)).toEqual([]);
  }

  it('with records out of order by up to 5 days and 10 days of allowed lateness', async () => {
    await runAndCompare({ seed: 11, maxDisorderMs: 5 * DAY, lateness: '10d' });
  });

  it('in any order at all, with an allowed lateness covering the whole scenario', async () => {
    await runAndCompare({ seed: 23, maxDisorderMs: Infinity, lateness: '1000d' });
  });
});
