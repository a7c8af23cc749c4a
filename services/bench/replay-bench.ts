import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Report } from '../core/replay-report.js';
import type { Measurement } from './measure-child.js';
import { measuredModule } from './measured-code.js';

async function measure(job: string, args: string[]): Promise<Measurement> {
  // The compiled child, raw decoding and the replay alike (measured-code.ts).
  const child = spawn(process.execPath, [measuredModule('bench/measure-child'), job, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  if (code !== 0) throw new Error(`${job} exited ${code}`);
  return JSON.parse(out.trim().split('\n').pop()!) as Measurement;
}

export interface ReplayBenchFiles {
  readonly gpEvents: string;
  readonly ndsReceived: string;
  readonly ndsManifests: string;
  readonly ndsDisseminations: string;
  readonly report: string;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const rate = (n: number) => `${Math.round(n).toLocaleString('en-GB')} records/s`;

export interface ReplayBenchResult {
  readonly records: number;
  readonly alerts: number;
  readonly ratio: number;
  readonly rawRate: number;
  readonly replayRate: number;
  /** The replay process's peak resident memory, in bytes. */
  readonly replayRss: number;
}

/** Raw avsc decode of the files, then the replay (with `flags`) over the same files, each in its own process. */
export async function benchReplay(files: ReplayBenchFiles, flags: readonly string[], log: (line: string) => void): Promise<ReplayBenchResult> {
  const inputs = [files.gpEvents, files.ndsReceived, files.ndsManifests, files.ndsDisseminations];
  log('measuring raw avsc decode (createFileDecoder, every record decoded) ...');
  const raw = await measure('raw-avro-decode', inputs);
  log(`  ${raw.records.toLocaleString('en-GB')} records in ${raw.seconds.toFixed(2)} s = ${rate(raw.records / raw.seconds)}, peak RSS ${mib(raw.maxRssBytes)}`);
  log(`measuring optout-verifier replay${flags.length > 0 ? ` ${flags.join(' ')}` : ''} over the same files ...`);
  const replay = await measure('replay', ['--gp-events', files.gpEvents, '--nds-received', files.ndsReceived, '--nds-manifests', files.ndsManifests, '--nds-disseminations', files.ndsDisseminations, '--report', files.report, '--quiet', '--no-progress', ...flags]);
  const report = JSON.parse(await readFile(files.report, 'utf8')) as Report;
  const replayed = Object.values(report.inputs).reduce((n, i) => n + i.records, 0);
  if (replayed !== raw.records) throw new Error(`replay read ${replayed} records, raw decode ${raw.records}`);
  const rawRate = raw.records / raw.seconds;
  const replayRate = replayed / replay.seconds;
  log(`  ${replayed.toLocaleString('en-GB')} records in ${replay.seconds.toFixed(2)} s = ${rate(replayRate)}, peak RSS ${mib(replay.maxRssBytes)}; ${report.alerts.length.toLocaleString('en-GB')} alerts`);
  return { records: replayed, alerts: report.alerts.length, ratio: replayRate / rawRate, rawRate, replayRate, replayRss: replay.maxRssBytes };
}
