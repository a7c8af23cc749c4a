// /metrics of the live verifier while it consumes the SystmOne 2018 scenario, scraped over HTTP as Prometheus
// would, at two sizes: the same seed, practices and suppliers, one with five times the patients of the other.
// - The number of series is bounded by the labels' sets (rules, severities, suppliers, practices, topics,
//   partitions, reasons, buckets) and does not grow with patients: five times the patients gives five times
//   the records but not more series.
// - No NHS number appears anywhere in any scrape: none of the scenario's, and nothing shaped like one.
// - `promtool check metrics` accepts a live scrape.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEAD_LETTER_REASONS } from '../../services/core/dead-letter-reason.js';
import { STREAM_NAMES } from '../../services/core/records.js';
import { RULES } from '../../services/core/rules.js';
import { COMMIT_BUCKETS_SECONDS, PROPAGATION_BUCKETS_SECONDS } from '../../services/live/ops/metrics.js';
import { liveEnv, prepareLive, produce, startInProcess, waitUntil, type InProcessService, type LiveSetup } from '../live/support/live-harness.js';
import { LiveProbe } from '../live/support/live-probe.js';
import { seededRandom, shuffledOrder, simulateScenario, type Scenario } from '../live/support/scenario.js';
import { testStack } from '../stack/test-context.js';
import { promtool } from './ops-files.js';

const SCENARIO = ['--seed', '21', '--practices', '6', '--days', '60', '--start', '2018-01-01', '--opt-outs-per-year', '0.5',
  '--disseminations-per-week', '2%', '--faults', 'systmone-2018'];
const SMALL_PATIENTS = 1_000;
const LARGE_PATIENTS = 5 * SMALL_PATIENTS;
const PARTITIONS = 3;
const NHS_NUMBER_LIKE = /(?<![\d.])999\d{7}(?![\d.])/;

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * The verifier's own samples of a text exposition (comments and blank lines skipped). The process and Node.js
 * metrics of prom-client's default set are a fixed set of their own, checked apart.
 */
function samples(text: string): Sample[] {
  return allSamples(text).filter((s) => s.name.startsWith('optout_verifier_'));
}

function allSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? \S+$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    out.push({ name: match[1]!, labels });
  }
  return out;
}

interface RunFacts {
  readonly patients: number;
  readonly records: number;
  /** Records keyed by patient (all but the extract manifests, which come per practice and day). */
  readonly patientRecords: number;
  readonly practices: number;
  readonly suppliers: number;
  readonly scrapes: number;
  readonly maxSeries: number;
  readonly finalSeries: number;
  readonly byFamily: Readonly<Record<string, number>>;
  readonly firingAlerts: number;
}

describe('a live scrape of /metrics during the SystmOne 2018 scenario', () => {
  const stack = testStack();
  const cleanUps: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const clean of cleanUps.splice(0).reverse()) await clean();
  });

  async function scrapeThrough(patients: number): Promise<{ facts: RunFacts; finalText: string; scenario: Scenario; setup: LiveSetup }> {
    const setup = await prepareLive(stack, { partitions: PARTITIONS });
    const probe = new LiveProbe(setup);
    cleanUps.push(() => setup.cleanUp());
    const scenario = await simulateScenario(join(setup.dir, 'scenario'), [...SCENARIO, '--patients', String(patients)]);
    const description = JSON.parse(await readFile(join(setup.dir, 'scenario', 'scenario.json'), 'utf8')) as {
      practices: { list: { ods: string; supplier: string }[] };
    };
    const practices = new Set(description.practices.list.map((p) => p.ods));
    const suppliers = new Set(description.practices.list.map((p) => p.supplier));
    const nhsKeyed = scenario.messages.filter((m) => m.stream !== 'ndsManifests').length;
    const nhsNumbers = new Set(scenario.messages.filter((m) => m.stream !== 'ndsManifests').map((m) => m.key));
    expect(nhsNumbers.size).toBeGreaterThan(patients / 20);
    await produce(setup, shuffledOrder(scenario.messages, 0, seededRandom(3)));

    const running: InProcessService = await startInProcess(setup, liveEnv(setup));
    cleanUps.push(() => running.service.stop());
    const url = `http://127.0.0.1:${running.service.httpPort}/metrics`;
    const latest = Math.max(...scenario.messages.map((m) => m.eventTime ?? 0));

    let scrapes = 0;
    let maxSeries = 0;
    const check = (text: string) => {
      scrapes++;
      maxSeries = Math.max(maxSeries, samples(text).length);
      expect(text).not.toMatch(NHS_NUMBER_LIKE);
      for (const number of nhsNumbers) if (text.includes(number)) throw new Error(`an NHS number of the scenario is in /metrics (scrape ${scrapes})`);
    };
    const scrape = async () => {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      const text = await response.text();
      check(text);
      return text;
    };

    // Scraped all along, until every record is decided and the open-episode gauges (refreshed every few
    // seconds by the decider) show the firing alerts.
    const finalText = await waitUntil(`the verifier to decide the scenario (log: ${running.logFile})`, async () => {
      const text = await scrape();
      const progress = await probe.progress();
      const open = (await probe.storedAlerts()).filter((a) => a.state === 'FIRING' && a.rule !== 'SHARED_DESPITE_OBJECTION').length;
      const openInGauge = samples(text).filter((s) => s.name === 'optout_verifier_open_episodes_by_practice').length;
      const done = progress.streamTimeMs === latest && progress.ingested === scenario.messages.length && (open === 0 || openInGauge > 0);
      return done ? text : undefined;
    }, 90_000, 250);

    const final = samples(finalText);
    // Every label value comes from a bounded set the scenario's size does not change.
    const topics = new Set(STREAM_NAMES.map((s) => setup.topics[s]));
    const buckets = new Set([...PROPAGATION_BUCKETS_SECONDS, ...COMMIT_BUCKETS_SECONDS].map(String).concat('+Inf'));
    const allowed: Record<string, (value: string) => boolean> = {
      rule: (v) => (RULES as readonly string[]).includes(v),
      severity: (v) => v === 'critical' || v === 'warning',
      supplier: (v) => suppliers.has(v),
      practice: (v) => practices.has(v),
      topic: (v) => topics.has(v),
      partition: (v) => /^\d+$/.test(v) && Number(v) < PARTITIONS,
      reason: (v) => (DEAD_LETTER_REASONS as readonly string[]).includes(v),
      stream: (v) => (STREAM_NAMES as readonly string[]).includes(v),
      le: (v) => buckets.has(v),
      version: (v) => v === 'test',
      commit: () => true,
    };
    for (const sample of final) {
      for (const [label, value] of Object.entries(sample.labels)) {
        expect(allowed[label], `${sample.name}: unexpected label ${label}`).toBeDefined();
        expect(allowed[label]!(value), `${sample.name}{${label}="${value}"}`).toBe(true);
      }
    }
    const byFamily: Record<string, number> = {};
    for (const s of final) {
      const family = s.name.replace(/_(bucket|sum|count)$/, '');
      byFamily[family] = (byFamily[family] ?? 0) + 1;
    }
    const firing = (await probe.storedAlerts()).filter((a) => a.state === 'FIRING').length;
    return {
      facts: {
        patients, records: scenario.messages.length, patientRecords: nhsKeyed, practices: practices.size, suppliers: suppliers.size, scrapes, maxSeries,
        finalSeries: final.length, byFamily, firingAlerts: firing,
      },
      finalText, scenario, setup,
    };
  }

  /**
   * The most series the verifier's labels allow, from their sets alone: per-topic families, dead letters per topic
   * and reason, the alert families per rule (each rule has one severity) and supplier, open episodes per practice,
   * lag per partition, and the histograms' buckets.
   */
  function seriesBound(practices: number, suppliers: number): number {
    const topics = STREAM_NAMES.length;
    const ruleSupplier = RULES.length * suppliers;
    const histogram = (buckets: readonly number[]) => buckets.length + 1 + 2;
    return 8 * topics + topics * DEAD_LETTER_REASONS.length + 6 * ruleSupplier + practices + topics * PARTITIONS
      + suppliers * histogram(PROPAGATION_BUCKETS_SECONDS) + RULES.length * histogram(PROPAGATION_BUCKETS_SECONDS)
      + histogram(COMMIT_BUCKETS_SECONDS) + 8;
  }

  it('has a series count bounded by the label sets, not by patients; no NHS number; promtool accepts it', async () => {
    const small = await scrapeThrough(SMALL_PATIENTS);
    const large = await scrapeThrough(LARGE_PATIENTS);
    // The same practices and suppliers at both sizes (the roster depends on the seed and the practice count).
    expect(large.facts.practices).toBe(small.facts.practices);
    expect(large.facts.suppliers).toBe(small.facts.suppliers);
    expect(large.facts.patientRecords).toBeGreaterThan(4 * small.facts.patientRecords);
    expect(large.facts.firingAlerts).toBeGreaterThan(small.facts.firingAlerts);

    const bound = seriesBound(small.facts.practices, small.facts.suppliers);
    console.info(`[metrics scrape] bound ${bound}; small ${JSON.stringify(small.facts)}; large ${JSON.stringify(large.facts)}`);
    for (const run of [small, large]) expect(run.facts.maxSeries, `${run.facts.patients} patients`).toBeLessThanOrEqual(bound);
    // Five times the patients and records: the series grow by at most the label combinations that happen to be
    // reached only at the larger size (a rule firing for one more supplier), far from five times.
    expect(large.facts.finalSeries).toBeLessThan(1.25 * small.facts.finalSeries);

    // prom-client's default metrics, on the service's registry: CPU, memory, event-loop lag, handles.
    const defaults = new Set(allSamples(small.finalText).map((s) => s.name));
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(defaults, name).toContain(name);
    }
    // promtool lints the verifier's own families: prom-client's defaults carry names it objects to (a gauge
    // nodejs_active_handles_total ending in _total), which are prom-client's and not ours to rename.
    for (const run of [small, large]) {
      const own = run.finalText.split('\n').filter((line) => /^(# (HELP|TYPE) )?optout_verifier_/.test(line)).join('\n');
      const check = promtool(['check', 'metrics'], `${own}\n`);
      expect(check.status, check.output).toBe(0);
    }
  });
});
