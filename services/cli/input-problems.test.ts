// Input problems as a user meets them: each named with its file (and flag), the exit code of the README's table,
// one line, no stack trace unless --debug.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamName } from '../core/records.js';
import { writeSmallScenario } from '../replay/testing/small-scenario.js';
import { runCli, type CliRun } from '../../test/stack/cli-entry.js';

let dir: string;
let inputs: string[];
const STACK = /\n\s+at /;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'optout-input-problems-'));
  const files: { [S in StreamName]: string } = await writeSmallScenario(dir);
  inputs = ['--gp-events', files.gpEvents, '--nds-received', files.ndsReceived, '--nds-manifests', files.ndsManifests, '--nds-disseminations', files.ndsDisseminations];
  await mkdir(join(dir, 'a-directory'));
  await writeFile(join(dir, 'a-file'), 'not a directory');
  await writeFile(join(dir, 'short.key'), 'too short', { mode: 0o600 });
  await writeFile(join(dir, 'malformed.json'), '{"codes": [');
  await writeFile(join(dir, 'not-a-catalogue.json'), '{"entries": []}');
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const run = (args: readonly string[]) => runCli(args, {}, { cwd: dir });

function expectOneLine(result: CliRun, code: number, ...named: string[]): void {
  expect(result.stderr).not.toMatch(STACK);
  expect(result.stderr.trim().split('\n'), result.stderr).toHaveLength(1);
  for (const text of named) expect(result.stderr).toContain(text);
  expect(result.code).toBe(code);
}

describe('replay', () => {
  it('names a directory given as an input file, with its flag: exit 3', async () => {
    const result = await run(['replay', '--gp-events', 'a-directory', ...inputs.slice(2), '--report', 'r.json']);
    expectOneLine(result, 3, 'a-directory (--gp-events) is a directory, not a file');
  });

  it('names a key file that is too short, or missing: exit 3', async () => {
    expectOneLine(await run(['replay', ...inputs, '--report', 'r.json', '--pseudonym-key-file', 'short.key']), 3, 'short.key is too weak');
    expectOneLine(await run(['replay', ...inputs, '--report', 'r.json', '--pseudonym-key-file', 'no.key']), 3, 'the pseudonym key file no.key: does not exist');
  });

  it('names a catalogue that is malformed, not a catalogue or a directory: exit 3', async () => {
    expectOneLine(await run(['replay', ...inputs, '--report', 'r.json', '--catalogue', 'malformed.json']), 3, 'the code catalogue (--catalogue) malformed.json is not a catalogue');
    expectOneLine(await run(['replay', ...inputs, '--report', 'r.json', '--catalogue', 'not-a-catalogue.json']), 3, 'not-a-catalogue.json is not a catalogue');
    expectOneLine(await run(['replay', ...inputs, '--report', 'r.json', '--catalogue', 'a-directory']), 3, 'the code catalogue (--catalogue) a-directory: is a directory, not a file');
  });

  it('names a --csv that is a file, and an --html whose directory does not exist: exit 3', async () => {
    expectOneLine(await run(['replay', ...inputs, '--report', 'r1.json', '--quiet', '--csv', 'a-file']), 3, '--csv a-file cannot be made: already exists and is not a directory');
    expectOneLine(await run(['replay', ...inputs, '--report', 'r2.json', '--quiet', '--html', 'missing/page.html']), 3, 'cannot write --html missing/page.html: its directory does not exist');
  });
});

describe('simulate', () => {
  it('names an --out that is an existing file (once an EEXIST stack trace): exit 3', async () => {
    expectOneLine(await run(['simulate', '--out', 'a-file']), 3, '--out a-file cannot be made: already exists and is not a directory');
    expectOneLine(await run(['simulate', '--out', 'a-file/below']), 3, '--out a-file/below cannot be made: a part of its path is not a directory');
  });

  it('names a catalogue that is malformed or missing: exit 3', async () => {
    expectOneLine(await run(['simulate', '--out', 'sim', '--catalogue', 'malformed.json']), 3, 'the code catalogue (--catalogue) malformed.json is not a catalogue');
    expectOneLine(await run(['simulate', '--out', 'sim', '--catalogue', 'nope.json']), 3, 'the code catalogue (--catalogue) nope.json: does not exist');
  });

  it('takes --debug anywhere on the line as a flag of the executable, not as an unknown flag of the command', async () => {
    expectOneLine(await run(['simulate', '--debug', '--out', 'a-file']), 3, '--out a-file cannot be made');
    expectOneLine(await run(['--debug', 'simulate', '--out', 'a-file']), 3, '--out a-file cannot be made');
  });
});

describe('demo, bench and pseudonym', () => {
  it('name a directory that cannot be made, and a key file that is a directory: exit 3', async () => {
    expectOneLine(await run(['demo', 'a-file']), 3, `the demo directory ${join(dir, 'a-file')} cannot be made: already exists and is not a directory`);
    const bench = await run(['bench', '--only', 'replay', '--dir', 'a-file']);
    expect(bench.stderr).not.toMatch(STACK);
    expect(bench.stderr).toContain(`--dir ${join(dir, 'a-file', 'dataset')} cannot be made: a part of its path is not a directory`);
    expect(bench.code).toBe(3);
    expectOneLine(await run(['pseudonym', '--key-file', 'a-directory']), 3, 'the pseudonym key file a-directory: is a directory, not a file');
  });
});
