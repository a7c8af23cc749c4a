// Composition root of `npm run bench`: the replay over a national-shaped and an alert-heavy data set, and the live
// service, each against a raw baseline measured in the same run. Figures are printed, never asserted.
import { Command, Option } from 'commander';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { exitForUserProblem } from '../command-line/command-failure.js';
import { makeDirectory } from '../command-line/command-problems.js';
import { parseCommand } from '../command-line/parse-command.js';
import { main as simulate } from '../simulator/main.js';
import { benchLive, formatLiveBench } from './live-bench.js';
import { benchReplay } from './replay-bench.js';

/** A data set the replay is measured on, and the flags the replay runs with over it. */
interface ReplayShape {
  readonly name: 'national' | 'alert-heavy';
  readonly dir: string;
  readonly simulate: readonly string[];
  readonly replay: readonly string[];
}

const SHAPES: readonly ReplayShape[] = [
  {
    // About 0.88M manifests (640 practices, daily, 1369 days) and 0.13M GP events and receipts (900,000 patients,
    // 5% opting out over the window): over a million objection-side records; and about 10 million release lines
    // (52,500 candidates a week for 196 weeks, less those the opt-out filter holds back).
    name: 'national', dir: 'dataset',
    simulate: ['--seed', '42', '--practices', '640', '--patients', '900000', '--days', '1369',
      '--disseminations-per-week', '52500', '--faults', 'systmone-2018,late-receipts,phantom-objections,bad-records,redeliveries'],
    replay: [],
  },
  {
    // Where the engine's work is: about 10% of 900,000 patients object over the window (0.28M GP events and
    // receipts), 0.88M manifests, 0.93M release lines, every fault; replayed with a 12-hour SLA, under which most
    // objections are overdue before their receipt, so over 100,000 alerts fire (most of them resolve).
    name: 'alert-heavy', dir: 'alert-heavy',
    simulate: ['--seed', '43', '--practices', '640', '--patients', '900000', '--days', '1369', '--opt-outs-per-year', '0.03',
      '--disseminations-per-week', '5000', '--faults', 'all'],
    replay: ['--sla', '12h'],
  },
];

export async function main(argv: string[]): Promise<number> {
  const program = new Command('optout-verifier bench')
    .description('Measure replay throughput against raw avsc decoding, and the live service against raw kafkajs consumption, each baseline in the same run.')
    .option('--dir <dir>', 'where the data set is generated (reused when its parameters match)', '.bench')
    .option('--regenerate', 'generate the data sets even if they are there')
    .addOption(new Option('--only <part>', 'run one part only').choices(['replay', 'live']))
    .addOption(new Option('--shape <shape>', 'replay over one data set only').choices(SHAPES.map((s) => s.name)));
  const ended = parseCommand(program, argv, 'optout-verifier bench');
  if (ended !== null) return ended;
  try {
    return await bench(program.opts<BenchOptions>());
  } catch (error) {
    return exitForUserProblem('optout-verifier bench', error);
  }
}

interface BenchOptions { readonly dir: string; readonly regenerate?: boolean; readonly only?: 'replay' | 'live'; readonly shape?: ReplayShape['name'] }

async function bench(opts: BenchOptions): Promise<number> {
  const dir = resolve(opts.dir);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const lines: string[] = [];
  if (opts.only !== 'live') {
    for (const shape of SHAPES) {
      if (opts.shape !== undefined && shape.name !== opts.shape) continue;
      const code = await replayPart(shape, dir, opts.regenerate === true, log, lines);
      if (code !== 0) return code;
    }
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

async function replayPart(shape: ReplayShape, dir: string, regenerate: boolean, log: (line: string) => void, summary: string[]): Promise<number> {
  const dataDir = join(dir, shape.dir);
  const stamp = join(dataDir, 'parameters.json');
  const wanted = JSON.stringify(shape.simulate);
  const have = await readFile(stamp, 'utf8').catch(() => '');
  log(`replay, ${shape.name} shape:`);
  if (regenerate || have !== wanted) {
    log(`generating the data set in ${dataDir} (${shape.simulate.join(' ')}) ...`);
    await makeDirectory('--dir', dataDir);
    const started = Date.now();
    const code = await simulate([...shape.simulate, '--out', dataDir]);
    if (code !== 0) return code;
    await writeFile(stamp, wanted);
    log(`  generated in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } else {
    log(`reusing the data set in ${dataDir}`);
  }
  const replay = await benchReplay({
    gpEvents: join(dataDir, 'gp-events.avro'), ndsReceived: join(dataDir, 'nds-received.avro'),
    ndsManifests: join(dataDir, 'nds-manifests.avro'), ndsDisseminations: join(dataDir, 'nds-disseminations.avro'),
    report: join(dir, `replay-report-${shape.name}.json`),
  }, shape.replay, log);
  summary.push(`replay (${shape.name}, ${(replay.records / 1e6).toFixed(2)}M records, ${replay.alerts.toLocaleString('en-GB')} alerts): ${replay.ratio.toFixed(2)}x raw avsc decode, ${Math.round(replay.replayRate).toLocaleString('en-GB')} records/s; peak RSS ${(replay.replayRss / 1024 / 1024).toFixed(0)} MiB`);
  return 0;
}
