// Composition root of `optout-verifier simulate`: parses the flags (and, for --publish kafka, the environment),
// loads the code catalogue, and runs the pure generator either into the four input files with scenario.json beside
// them, or, paced, into the four input topics until done or until SIGTERM / SIGINT.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exitForUserProblem } from '../command-line/command-failure.js';
import { fileProblem, InputProblem, makeDirectory } from '../command-line/command-problems.js';
import { parseCodeCatalogue, type CodeCatalogue } from '../core/code-catalogue.js';
import { STREAM_NAMES } from '../core/records.js';
import { describeScenario } from './scenario-description.js';
import { writeScenarioFiles } from './scenario-files.js';
import { publishScenario } from './publish-command.js';
import type { ScenarioRun } from './scenario-generator.js';
import { generateScenario } from './scenario-generator.js';
import { DEFAULTS } from './scenario-params.js';
import { parseSimulateFlags, type KafkaPublishConfig, type SimulateConfig } from './simulate-options.js';

export async function main(argv: string[]): Promise<number> {
  const parsed = parseSimulateFlags(argv, process.env);
  if (parsed.kind === 'exit') {
    (parsed.code === 0 ? process.stdout : process.stderr).write(`${parsed.lines.join('\n')}\n`);
    return parsed.code;
  }
  try {
    return await simulate(parsed.config);
  } catch (error) {
    return exitForUserProblem('optout-verifier simulate', error);
  }
}

async function loadCatalogue(path: string): Promise<CodeCatalogue> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw fileProblem('the code catalogue (--catalogue)', path, error);
  }
  try {
    return parseCodeCatalogue(JSON.parse(text));
  } catch (error) {
    throw new InputProblem(`the code catalogue (--catalogue) ${path} is not a catalogue: ${(error as Error).message}`);
  }
}

async function simulate(config: SimulateConfig): Promise<number> {
  const catalogue = await loadCatalogue(config.cataloguePath);
  const run = generateScenario({
    seed: config.seed,
    practices: config.practices,
    patients: config.patients,
    days: config.days,
    startAt: config.startAt,
    faults: config.faults,
    format: config.format,
    releaseSize: config.releaseSize,
    optOutsPerYear: config.optOutsPerYear,
    withdrawalsPerYear: DEFAULTS.withdrawalsPerYear,
    catalogue,
  });
  if (config.publish !== null) return publish(run, config.publish, config.quiet);
  return writeFiles(run, config, config.outDir);
}

async function publish(run: ScenarioRun, target: KafkaPublishConfig, quiet: boolean): Promise<number> {
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => stop.abort(signal);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    return await publishScenario(run, target, {
      out: (line) => { if (!quiet) process.stdout.write(`${line}\n`); },
      err: (line) => process.stderr.write(`${line}\n`),
      signal: stop.signal,
    });
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

async function writeFiles(run: ScenarioRun, config: SimulateConfig, outDir: string): Promise<number> {
  await makeDirectory('--out', outDir);
  const files = await writeScenarioFiles(run, { outDir, format: config.format, codec: config.codec });
  const description = {
    ...describeScenario(run, config.format === 'avro' ? { codec: config.codec } : {}),
    files: Object.fromEntries(STREAM_NAMES.map((s) => [s, files[s]])),
  };
  await writeFile(join(outDir, 'scenario.json'), `${JSON.stringify(description, null, 2)}\n`);

  if (!config.quiet) {
    const n = (x: number): string => x.toLocaleString('en-GB');
    const width = Math.max(...STREAM_NAMES.map((s) => files[s].file.length));
    const out = [
      `optout-verifier simulate: seed ${config.seed}, ${n(config.practices)} practices, ${n(config.patients)} patients, ${n(config.days)} days from ${description.window.from.slice(0, 10)}, faults: ${config.faults.join(', ') || 'none'}`,
      ...STREAM_NAMES.map((s) => `  ${files[s].file.padEnd(width)}  ${n(files[s].lines).padStart(12)} records`),
      `  ${'scenario.json'.padEnd(width)}  ${n(description.faults.length).padStart(12)} faults described; ${n(run.totals().linesFilteredOut)} release lines kept back by the opt-out filter`,
      `  in ${outDir}`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  }
  return 0;
}
