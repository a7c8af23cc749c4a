import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StreamName } from '../../core/records.js';
import { main as simulate } from '../../simulator/main.js';
import { packageVersion } from '../provenance.js';
import { captureReplay } from './replay-capture.js';

// What the replay writes for a simulated scenario with every fault profile, reduced to SHA-256 digests, so that
// a change to how the replay works can be checked against what it wrote before (report-bytes.json).

/** Every fault profile, on a scale where each leaves a mark: every rule fires, dead letters, duplicates. */
export const EVERY_FAULT_SCENARIO = ['--faults', 'all', '--seed', '12', '--practices', '12', '--patients', '6000', '--days', '700', '--start', '2016-01-01', '--disseminations-per-week', '400'];
const KEY_HEX = '592448fec39cda2d9cf98043979bef5ec963d19916bc5acffb2a876dd030ee82';
const STEMS: { readonly [S in StreamName]: string } = { gpEvents: 'gp-events', ndsReceived: 'nds-received', ndsManifests: 'nds-manifests', ndsDisseminations: 'nds-disseminations' };
// Fixed stand-ins for what legitimately differs between checkouts and runs: where the files are, the tool's
// version and commit, and the HTML page's generation time.
const DIR = '<dir>';
const VERSION = '<version>';
const COMMIT = '0000000';

export interface ReportDigests {
  /** The simulated inputs: if these differ, the simulator changed, not the replay. */
  readonly inputs: { readonly [S in StreamName]: string };
  readonly outputs: { readonly 'report.json': string; readonly 'report.html': string; readonly 'alerts.csv': string; readonly 'dead-letters.csv': string };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Simulates the scenario into `dir` and replays it with a key file (`keyed`) or without, with every output. */
export async function replayDigests(dir: string, format: 'avro' | 'ndjson', keyed: boolean, flags: readonly string[] = []): Promise<ReportDigests> {
  const code = await simulate(['--out', dir, '--format', format, '--quiet', ...EVERY_FAULT_SCENARIO]);
  if (code !== 0) throw new Error(`simulate exited ${code}`);
  const files = Object.fromEntries(Object.entries(STEMS).map(([s, stem]) => [s, join(dir, `${stem}.${format}`)])) as { [S in StreamName]: string };
  const keyFile = join(dir, 'key.hex');
  await writeFile(keyFile, KEY_HEX, { mode: 0o600 });
  const extra = ['--html', join(dir, 'report.html'), '--csv', join(dir, 'csv'), '--quiet', ...(keyed ? ['--pseudonym-key-file', keyFile] : []), ...flags];
  const run = await captureReplay(files, join(dir, 'report.json'), extra, { OPTOUT_VERIFIER_COMMIT: COMMIT });
  if (run.code !== 0) throw new Error(`replay exited ${run.code}: ${run.stderr}`);
  const version = await packageVersion();
  const normalise = (text: string) => text.replaceAll(dir, DIR).replaceAll(`"version": "${version}"`, `"version": "${VERSION}"`);
  const read = async (path: string) => normalise(await readFile(path, 'utf8'));
  const html = (await read(join(dir, 'report.html'))).replace(/<footer>Generated [^ ]+ /, '<footer>Generated <time> ');
  const inputs = {} as { [S in StreamName]: string };
  for (const stream of Object.keys(STEMS) as StreamName[]) inputs[stream] = createHash('sha256').update(await readFile(files[stream])).digest('hex');
  return {
    inputs,
    outputs: {
      'report.json': sha256(await read(join(dir, 'report.json'))),
      'report.html': sha256(html),
      'alerts.csv': sha256(await read(join(dir, 'csv', 'alerts.csv'))),
      'dead-letters.csv': sha256(await read(join(dir, 'csv', 'dead-letters.csv'))),
    },
  };
}
