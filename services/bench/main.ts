// Composition root of `npm run bench`: a national-shaped data set, then throughput against raw baselines
// measured in the same run. Figures are printed, never asserted.
import { Command, CommanderError, Option } from 'commander';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { main as simulate } from '../simulator/main.js';
import { benchLive, formatLiveBench } from './live-bench.js';
import { benchReplay } from './replay-bench.js';

// About 0.88M manifests (640 practices, daily, 1369 days) and 0.13M GP events and receipts (900,000 patients,
// 5% opting out over the window): over a million objection-side records; and about 10 million release lines
// (52,500 candidates a week for 196 weeks, less those the opt-out filter holds back).
const DATASET = ['--seed', '42', '--practices', '640', '--patients', '900000', '--days', '1369',
  '--disseminations-per-week', '52500', '--faults', 'systmone-2018,late-receipts,phantom-objections,bad-records,redeliveries'];

export async function main(argv: string[]): Promise<number> {
  const program = new Command('optout-verifier bench')
    .description('Measure replay throughput against raw avsc decoding, and the live service against raw kafkajs consumption, each baseline in the same run.')
    .option('--dir <dir>', 'where the data set is generated (reused when its parameters match)', '.bench')
    .option('--regenerate', 'generate the data sets even if they are there')
    .addOption(new Option('--only <part>', 'run one part only').choices(['replay', 'live']))
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: (s) => process.stdout.write(s) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) return 0;
    process.stderr.write(`optout-verifier bench: ${(error as Error).message}\n`);
    return 2;
  }
  const opts = program.opts<{ dir: string; regenerate?: boolean; only?: 'replay' | 'live' }>();
  const dir = resolve(opts.dir);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const lines: string[] = [];
  if (opts.only !== 'live') {
    const code = await replayPart(dir, opts.regenerate === true, log, lines);
    if (code !== 0) return code;
  }
  if (opts.only !== 'replay') {
    // Kafka: KAFKA_BROKERS, or a private librdkafka mock cluster; PostgreSQL: DATABASE_URL, or the local server.
    const brokers = process.env.KAFKA_BROKERS?.trim() ? process.env.KAFKA_BROKERS.split(',').map((b) => b.trim()) : null;
    const databaseUrl = process.env.DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';
    log('');
    const live = await benchLive({ dir, brokers, databaseUrl, regenerate: opts.regenerate === true }, log);
    lines.push(...formatLiveBench(live));
  }
  log('');
  for (const line of lines) log(line);
  return 0;
}

async function replayPart(dir: string, regenerate: boolean, log: (line: string) => void, summary: string[]): Promise<number> {
  const dataDir = join(dir, 'dataset');
  const stamp = join(dataDir, 'parameters.json');
  const wanted = JSON.stringify(DATASET);
  const have = await readFile(stamp, 'utf8').catch(() => '');
  if (regenerate || have !== wanted) {
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
  summary.push(`replay: ${replay.ratio.toFixed(2)}x raw avsc decode (target at least 0.5x); peak RSS ${(replay.replayRss / 1024 / 1024).toFixed(0)} MiB (target at most 1536 MiB)`);
  return 0;
}
