// The two kinds of problem a user can fix, as errors a command throws, and the words for why a file cannot be used.
// Whatever a command throws reaches one place (command-failure.ts), which prints one line and picks the exit code.
import { mkdir } from 'node:fs/promises';

/** A flag or setting is missing or bad: exit 2. */
export class UsageProblem extends Error {
  override readonly name = 'UsageProblem';
}

/** A file the command was told to use cannot be used: exit 3. The message names the file (and its flag). */
export class InputProblem extends Error {
  override readonly name = 'InputProblem';
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'does not exist',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of its path is not a directory',
  EEXIST: 'already exists',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'over the disk quota',
  EMFILE: 'too many files open',
  EBUSY: 'busy',
};

/** Makes the directory a flag names (and its parents); when it cannot, an InputProblem naming the flag, the path and why. */
export async function makeDirectory(flag: string, path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    // mkdir -p fails with EEXIST only when something other than a directory is at the path.
    const why = (error as NodeJS.ErrnoException).code === 'EEXIST' ? 'already exists and is not a directory' : describeFileError(error);
    throw new InputProblem(`${flag} ${path} cannot be made: ${why}`, { cause: error });
  }
}

/** Why a file operation failed, in words (`does not exist`, `is a directory, not a file`), from its errno code. */
export function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string') return REASONS[code] ?? code;
  return error instanceof Error ? error.message : String(error);
}

/** True for an error from the file system (it carries an errno code and the path it was about). */
export function isFileError(error: unknown): error is NodeJS.ErrnoException & { path: string } {
  const e = error as NodeJS.ErrnoException | null;
  return e instanceof Error && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) && typeof e.path === 'string';
}

/** An InputProblem naming what the file is for and its path: `the code catalogue (--catalogue) x.json: does not exist`. */
export function fileProblem(what: string, path: string, error: unknown): InputProblem {
  return new InputProblem(`${what} ${path}: ${describeFileError(error)}`, { cause: error });
}
