// The executable's conventions, common to every command, checked on a child process as a user would run it.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../test/stack/cli-entry.js';
import { COMMAND_LINES } from './optout-verifier.js';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'optout-cli-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('optout-verifier --version', () => {
  it.each(['--version', '-V'])('%s prints the package version and exits 0', async (flag) => {
    const run = await runCli([flag], {}, { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^optout-verifier ${version.replace(/\./g, '\\.')}( \\(commit [0-9a-f]{7,64}\\))?\\n$`));
    expect(run.stderr).toBe('');
  });

  it('names the commit the build stamped', async () => {
    const run = await runCli(['--version'], { OPTOUT_VERIFIER_COMMIT: 'ABCDEF1234567' }, { cwd: dir });
    expect(run.stdout).toBe(`optout-verifier ${version} (commit abcdef1234567)\n`);
  });
});

describe('--help and -h', () => {
  const cases = COMMAND_LINES.flatMap((line) => ['--help', '-h'].map((flag) => [line, flag] as const));

  it.each(cases)('%s %s prints its usage on stdout, exits 0 and creates nothing', async (line, flag) => {
    const run = await runCli([...line.split(' '), flag], {}, { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^usage: optout-verifier ${line} `, 'i'));
    expect(await readdir(dir)).toEqual([]);
  });

  it('demo --help runs no demo (it once made a folder named --help and ran into it)', async () => {
    const run = await runCli(['demo', '--help'], {}, { cwd: dir });
    expect(run.stdout).not.toMatch(/simulating/);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('a reader that closes stdout early', () => {
  const noTrace = /EPIPE|Unhandled|\n\s+at /;

  it('ends replay --help quietly, as `replay --help | head -1` does', async () => {
    const run = await runCli(['replay', '--help'], {}, { cwd: dir, closeStdoutAfterFirstChunk: true });
    expect(run.stdout).toMatch(/^Usage: optout-verifier replay/);
    expect(run.stderr).not.toMatch(noTrace);
    expect(run.code).toBe(0);
  });

  it('ends a command that has far more to write than a pipe holds quietly, with no stack trace', async () => {
    const keyFile = join(dir, 'key.hex');
    await writeFile(keyFile, `${'00112233445566778899aabbccddeeff'.repeat(2)}\n`, { mode: 0o600 });
    // About 1.5 MB of output against a pipe of 64 KiB: writes go on after the reader has gone.
    const run = await runCli(['pseudonym', '--key-file', keyFile], {}, { cwd: dir, closeStdoutAfterFirstChunk: true, stdin: '9990000018\n'.repeat(20_000) });
    expect(run.stdout).toMatch(/^9990000018,[0-9a-f]{64}\n/);
    expect(run.stderr).not.toMatch(noTrace);
    expect(run.code).toBe(0);
  });
});
