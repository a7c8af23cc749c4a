// Composition root of `optout-verifier demo` (what `npm start` runs): simulates the 2015-2018 SystmOne
// incident at small scale, replays it, and says what was found and how soon after the fault began.
import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { exitForUserProblem } from '../command-line/command-failure.js';
import { makeDirectory } from '../command-line/command-problems.js';
import { parseCommand } from '../command-line/parse-command.js';
import type { Report } from '../core/replay-report.js';
import { main as replay } from '../replay/main.js';
import { formatDuration } from '../replay/summary.js';
import { main as simulate } from '../simulator/main.js';
import { describeFindings, type ScenarioFaults } from './findings.js';

const DEMO_ARGS = ['--seed', '2018', '--practices', '60', '--patients', '30000', '--start', '2015-01-01', '--days', '1400', '--faults', 'systmone-2018,late-receipts,phantom-objections,bad-records,redeliveries'];

export async function main(argv: string[]): Promise<number> {
  const program = new Command('optout-verifier demo')
    .description('Simulate GP systems and the national data service, 2015-2018, with TPP SystmOne silently dropping Type 2 objections; replay the files as an auditor would and say what was found.')
    .argument('[dir]', 'where the simulated inputs and the report go (made if missing)', 'out/demo');
  const ended = parseCommand(program, argv, 'optout-verifier demo');
  if (ended !== null) return ended;
  try {
    return await demo(resolve(program.processedArgs[0] as string));
  } catch (error) {
    return exitForUserProblem('optout-verifier demo', error);
  }
}

async function demo(outDir: string): Promise<number> {
  const shown = relative(process.cwd(), outDir) || '.';
  await makeDirectory('the demo directory', outDir);
  process.stdout.write(`optout-verifier demo: simulating GP systems and the national data service, 2015-2018, with TPP SystmOne silently dropping Type 2 objections...\n`);
  const simulated = await simulate([...DEMO_ARGS, '--out', outDir, '--quiet']);
  if (simulated !== 0) return simulated;
  const files = {
    gp: `${shown}/gp-events.avro`, received: `${shown}/nds-received.avro`, manifests: `${shown}/nds-manifests.avro`, disseminations: `${shown}/nds-disseminations.avro`, report: `${shown}/report.json`, html: `${shown}/report.html`,
  };
  const replayArgs = ['--gp-events', files.gp, '--nds-received', files.received, '--nds-manifests', files.manifests, '--nds-disseminations', files.disseminations, '--report', files.report, '--html', files.html];
  process.stdout.write(`replaying it as an auditor would:\n\n`);
  const replayed = await replay([...replayArgs, '--no-progress']);
  if (replayed !== 0) return replayed;
  const report = JSON.parse(await readFile(files.report, 'utf8')) as Report;
  const scenario = JSON.parse(await readFile(`${outDir}/scenario.json`, 'utf8')) as ScenarioFaults;
  process.stdout.write(`\n${describeFindings(report, scenario, formatDuration)}\n`);
  process.stdout.write(`\nThe report is ${files.report}, and as a page to open in a browser or print, ${files.html}; the simulated inputs and the scenario's ground truth (scenario.json) are beside it.\n`);
  process.stdout.write(`To look at it again, or with other parameters:\n  npx optout-verifier replay ${replayArgs.join(' ')}\n`);
  return 0;
}
