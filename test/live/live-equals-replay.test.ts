// live = replay: a simulated scenario with faults, produced to the topics over several partitions in a shuffled
// order, gives the live service the same alerts (ids, rules, states, every field) in PostgreSQL and on the alerts
// topic as `optout-verifier replay` over the same files with the same key, and the same dead letters and
// duplicates. The run reaches the replay's as-of time (the latest event time) when every partition has been read
// and idle for the idle timeout: stream time then moves up to the latest event time read.
import { describe, expect, it } from 'vitest';
import { dumpSchema, nhsNumbersIn } from './support/schema-dump.js';
import { scenarioRuns } from './support/scenario-run.js';
import { testStack } from '../stack/test-context.js';

const DAY = 86_400_000;
const SCENARIO = ['--seed', '7', '--practices', '4', '--patients', '2000', '--days', '300', '--start', '2017-11-01', '--opt-outs-per-year', '0.5',
  '--disseminations-per-week', '2%', '--faults', 'systmone-2018,late-receipts,phantom-objections,revoked-objections,dropped-withdrawals,unfiltered-release,bad-records,redeliveries'];

describe('the live service gives the replay\'s answers', () => {
  const stack = testStack();
  const runs = scenarioRuns(stack);

  async function runAndCompare(options: { seed: number; maxDisorderMs: number; lateness: string }): Promise<void> {
    const { setup, scenario, replayed, running, probe } = await runs.run({
      simulate: SCENARIO, partitions: 4, seed: options.seed, maxDisorderMs: options.maxDisorderMs, env: { ALLOWED_LATENESS: options.lateness },
    });
    expect(replayed.alerts.length).toBeGreaterThan(100);
    await probe.expectMatchesReplay(replayed, { readerGroup: stack.uniqueName('alerts-reader'), records: scenario.messages.length });

    // Within the allowed lateness no record was late: the guarantee under which live equals replay.
    const late = (await running.registry.getSingleMetricAsString('optout_verifier_late_records_total')).split('\n').filter((l) => !l.startsWith('#'));
    expect(late.every((line) => line.endsWith(' 0'))).toBe(true);

    // The database holds keyed pseudonyms only: a dump of the whole schema has none of the scenario's NHS numbers.
    const nhsNumbers = new Set(scenario.messages.filter((m) => m.stream !== 'ndsManifests' && /^[0-9]{10}$/.test(m.key)).map((m) => m.key));
    expect(nhsNumbers.size).toBeGreaterThan(100);
    expect(nhsNumbersIn(await dumpSchema(setup.ownerUrl, setup.schema.schema), nhsNumbers)).toEqual([]);
  }

  it('with records out of order by up to 5 days and 10 days of allowed lateness', async () => {
    await runAndCompare({ seed: 11, maxDisorderMs: 5 * DAY, lateness: '10d' });
  });

  it('in any order at all, with an allowed lateness covering the whole scenario', async () => {
    await runAndCompare({ seed: 23, maxDisorderMs: Infinity, lateness: '1000d' });
  });
});
