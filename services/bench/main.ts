// Composition root of `npm run bench`: a national-shaped data set, then throughput against raw baselines
// measured in the same run. Figures are printed, never asserted.
import { Command, CommanderError } from 'commander';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { main as simulate } from '../simulator/main.js';
import { benchReplay } from './replay-bench.js';

// About 0.88M manifests (640 practices, daily, 1369 days) and 0.13M GP events and receipts (900,000 patients,
// 5% opting out over the window): over a million objection-side records; and about 10 million release lines
// (52,500 candidates a week for 196 weeks, less those the opt-out filter holds back).
const DATASET = ['--seed', '42', '--practices', '640', '--patients', '900000', '--days', '1369',
  '--disseminations-per-week', '52500', '--faults', 'systmone-2018,late-receipts,phantom-objections,bad-records,redeliveries'];

export async function main(argv: string[]): Promise<number> {
  const program = new Command('optout-verifier bench')
    .description('Measure replay throughput against raw avsc decoding of the same files, in one run.')
    .option('--dir <dir>', 'where the data set is generated (reused when its parameters match)', '.bench')
    .option('--regenerate', 'generate the data set even if it is there')
    .exitOverride();
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) return 0;
    process.stderr.write(`optout-verifier bench: ${(error as Error).message}\n`);
    return 2;
  }
  const opts = program.opts<{ dir: string; regenerate?: boolean }>();
  const dir = resolve(opts.dir);
  const dataDir = join(dir, 'dataset');
  const stamp = join(dataDir, 'parameters.json');
  const wanted = JSON.stringify(DATASET);
  const have = await readFile(stamp, 'utf8').catch(() => '');
  const log = (line: string) => process.stdout.write(`${line}\n`);
  if (opts.regenerate || have !== wanted) {
    log(`generating the data set in ${dataDir} (${DATASET.join(' ')}) ...`);
    await mkdir(dataDir, { recursive: true });
    const started = Date.now();
    const code = await simulate([...DATASET, '--out', dataDir]);
    if (code !== 0) return code;
    await writeFile(stamp, wanted);
    log(`  generated in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } else {
    log(`reusing the data set in ${dataDir}`);
  }
  const replay = await benchReplay({
    gpEvents: join(dataDir, 'gp-events.avro'), ndsReceived: join(dataDir, 'nds-received.avro'),
    ndsManifests: join(dataDir, 'nds-manifests.avro'), ndsDisseminations: join(dataDir, 'nds-disseminations.avro'),
    report: join(dir, 'replay-report.json'),
  }, log);
  log('');
  log(`replay: ${replay.ratio.toFixed(2)}x raw avsc decode (target at least 0.5x); peak RSS ${(replay.replayRss / 1024 / 1024).toFixed(0)} MiB (target at most 1536 MiB)`);
  return 0;
}
