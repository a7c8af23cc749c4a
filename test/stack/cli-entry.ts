// How tests start the one executable as a child process (with the repository root as its working directory):
// the TypeScript sources through tsx, so a test runs the code as it is now, with no build step in between.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI_ENTRY: readonly string[] = ['--import', 'tsx', 'services/cli/start.ts'];

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `optout-verifier <args>` to its exit, with PATH and the given environment only. */
export function runCli(args: readonly string[], env: Readonly<Record<string, string>>): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI_ENTRY, ...args], { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
