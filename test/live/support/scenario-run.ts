// The live test written once: simulate a scenario, replay its files, produce its records to the topics in a
// shuffled order, run the service until stream time reaches the replay's as-of with every alert sent, then compare.
// scenarioRuns() registers the clean-up after each test: the service stopped, the schema, topics' role and files gone.
import { join } from 'node:path';
import type { TestStack } from '../../stack/test-context.js';
import { replayScenario, type ReplayResult } from './alert-views.js';
import { liveEnv, produce, type InProcessService, type LiveSetup } from './live-harness.js';
import { testResources } from './test-resources.js';
import { LiveProbe } from './live-probe.js';
import { seededRandom, shuffledOrder, simulateScenario, writeWriterSchemas, type Scenario } from './scenario.js';

export interface ScenarioRunOptions {
  /** The simulator's flags. */
  readonly simulate: readonly string[];
  readonly partitions: number;
  /** The production order: shuffled by this seed, each record up to `maxDisorderMs` of event time late (Infinity: any order). */
  readonly seed: number;
  readonly maxDisorderMs: number;
  /** Settings over the harness's (liveEnv); WRITER_SCHEMAS_DIR is the scenario's writer schemas unless given. */
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
}

export interface ScenarioRun {
  readonly setup: LiveSetup;
  readonly scenario: Scenario;
  readonly replayed: ReplayResult;
  readonly running: InProcessService;
  readonly probe: LiveProbe;
}

/** Runs scenarios in the tests of the calling describe block, and cleans up after each. */
export function scenarioRuns(stack: TestStack): { run(options: ScenarioRunOptions): Promise<ScenarioRun> } {
  const made = testResources(stack);
  return {
    async run(options) {
      const setup = await made.live({ partitions: options.partitions });
      const scenario = await simulateScenario(join(setup.dir, 'scenario'), options.simulate);
      const replayed = await replayScenario(scenario, setup.keyFile);
      await produce(setup, shuffledOrder(scenario.messages, options.maxDisorderMs, seededRandom(options.seed)));
      const writerSchemas = await writeWriterSchemas(scenario, join(setup.dir, 'writer-schemas'));
      const running = await made.inProcess(setup, liveEnv(setup, { WRITER_SCHEMAS_DIR: writerSchemas, ...options.env }));
      const probe = new LiveProbe(setup);
      await probe.waitSettled(replayed.asOf, running.logFile, { timeoutMs: options.timeoutMs ?? 60_000 });
      return { setup, scenario, replayed, running, probe };
    },
  };
}
