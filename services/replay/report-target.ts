// Where the report may go. It is written to a new file beside the path and renamed over it, so a reader never
// sees half a report; that is only safe on a path that is new or a regular file, and that is none of the files
// the run reads (an auditor's input overwritten by its own report is evidence lost). A symbolic link is refused
// too: the rename would replace the link, and what the user meant by it (a device, another file) is not ours to
// guess. `-` writes the report to stdout.
import { lstat, stat } from 'node:fs/promises';

export type ReportTarget = { readonly kind: 'stdout' } | { readonly kind: 'file'; readonly path: string };

export class ReportTargetRefused extends Error {}

/** A file the run reads, by the flag that named it. */
export interface ReadFile {
  readonly flag: string;
  readonly path: string;
}

function kindOf(s: import('node:fs').Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isSymbolicLink()) return 'a symbolic link';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isFIFO()) return 'a pipe';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Checks the --report path before anything is read; throws ReportTargetRefused with one line saying why. */
export async function reportTarget(flag: string, path: string, reads: readonly ReadFile[]): Promise<ReportTarget> {
  if (path === '-') return { kind: 'stdout' };
  let found: import('node:fs').Stats;
  try {
    found = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'file', path };
    throw new ReportTargetRefused(`${flag} ${path} cannot be checked: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (!found.isFile()) {
    throw new ReportTargetRefused(`${flag} ${path} is ${kindOf(found)}: give a new path or a regular file (or - for stdout)`);
  }
  for (const read of reads) {
    let other: import('node:fs').Stats;
    try {
      other = await stat(read.path);
    } catch {
      continue; // a file that cannot be read is reported where it is read
    }
    if (other.dev === found.dev && other.ino === found.ino) {
      throw new ReportTargetRefused(`${flag} ${path} is the file given as ${read.flag}: the report would overwrite it`);
    }
  }
  return { kind: 'file', path };
}
