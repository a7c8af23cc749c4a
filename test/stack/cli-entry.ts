// How tests start the one executable as a child process (with the repository root as its working directory):
// the TypeScript sources through tsx, so a test runs the code as it is now, with no build step in between.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const CLI_ENTRY: readonly string[] = ['--import', 'tsx', 'services/cli/start.ts'];

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The same entry by absolute paths, for a child whose working directory is elsewhere. */
const CLI_ENTRY_ANYWHERE: readonly string[] = ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href, join(REPO, 'services/cli/start.ts')];

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** The working directory (default: the repository root). */
  readonly cwd?: string;
  /** Close the reading end of stdout once the first chunk has arrived, as `| head -1` does. */
  readonly closeStdoutAfterFirstChunk?: boolean;
  /** What the child reads on stdin (default: nothing; stdin is closed at once). */
  readonly stdin?: string;
}

/** Runs `optout-verifier <args>` to its exit, with PATH and the given environment only. */
export function runCli(args: readonly string[], env: Readonly<Record<string, string>>, options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const entry = options.cwd === undefined ? CLI_ENTRY : CLI_ENTRY_ANYWHERE;
    const child = spawn(process.execPath, [...entry, ...args], { cwd: options.cwd ?? REPO, env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (options.closeStdoutAfterFirstChunk === true) child.stdout.destroy();
    });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A child that exits without reading all of its stdin is not this function's failure.
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');
  });
}
