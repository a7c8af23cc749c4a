// The folder an export is written to. An existing folder that holds anything is refused unless --force; every
// file is written under a temporary name in a work folder inside it and renamed into place when complete,
// export.json last, so a folder with an export.json holds a whole export and a failed export leaves no partial
// file under an export's name. --force replaces an earlier export's files (either format) and nothing else.
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { STREAM_NAMES } from '../../core/records.js';
import { CONTRACT_STREAMS } from '../../contract/streams.js';
import type { RecordFileFormat } from '../../codec/record-writer.js';

export const REJECTED_FILE = 'rejected.ndjson';
export const MANIFEST_FILE = 'export.json';
const FORMATS: readonly RecordFileFormat[] = ['avro', 'ndjson'];

export function streamFileName(stream: (typeof STREAM_NAMES)[number], format: RecordFileFormat): string {
  return `${CONTRACT_STREAMS[stream].fileStem}.${format}`;
}

export class TargetRefused extends Error {}

/** Refuses a target that is not a folder, or a folder that holds anything without --force; before Kafka is asked anything. */
export async function checkTarget(outDir: string, force: boolean): Promise<void> {
  let kind;
  try {
    kind = await stat(outDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new TargetRefused(`--out ${outDir} cannot be examined: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (!kind.isDirectory()) throw new TargetRefused(`--out ${outDir} exists and is not a folder`);
  if (!force && (await readdir(outDir)).length > 0) throw new TargetRefused(`--out ${outDir} is not empty: choose a new folder, or give --force to replace the export in it`);
}

export interface ExportWorkspace {
  /** Where spills and files under their temporary names go. */
  readonly workDir: string;
  /** Moves the finished files into the target, the manifest last, and removes the work folder. */
  publish(files: readonly string[]): Promise<void>;
  discard(): Promise<void>;
}

export async function openWorkspace(outDir: string): Promise<ExportWorkspace> {
  await mkdir(outDir, { recursive: true });
  const workDir = await mkdtemp(join(outDir, '.export-'));
  return {
    workDir,
    async publish(files) {
      const stale = STREAM_NAMES.flatMap((s) => FORMATS.map((f) => streamFileName(s, f))).filter((name) => !files.includes(name));
      // The old manifest goes first: until the new one is in place, the folder does not claim a whole export.
      await rm(join(outDir, MANIFEST_FILE), { force: true });
      for (const name of stale) await rm(join(outDir, name), { force: true });
      const ordered = [...files.filter((f) => f !== MANIFEST_FILE), ...files.filter((f) => f === MANIFEST_FILE)];
      for (const name of ordered) await rename(join(workDir, name), join(outDir, name));
      await rm(workDir, { recursive: true, force: true });
    },
    async discard() {
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
