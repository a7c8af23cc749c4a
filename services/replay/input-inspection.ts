// The replay's inputs, looked at before any is read: each must be a readable regular file (a directory or a
// device is named with its flag, never a stack trace), and the same file given for two inputs, or an input with
// no records, is almost always a slip on the command line: each gets a warning on stderr and in the report.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { describeFileError } from '../command-line/command-problems.js';
import { STREAM_NAMES, type StreamName } from '../core/records.js';

export const INPUT_FLAGS: { readonly [S in StreamName]: string } = {
  gpEvents: '--gp-events', ndsReceived: '--nds-received', ndsManifests: '--nds-manifests', ndsDisseminations: '--nds-disseminations',
};

export class InputUnreadable extends Error {}

export type InputWarning =
  | { readonly warning: 'same-file'; readonly inputs: readonly StreamName[]; readonly path: string }
  | { readonly warning: 'no-records'; readonly inputs: readonly StreamName[]; readonly path: string };

export interface InspectedInputs {
  readonly sizes: { readonly [S in StreamName]: number };
  readonly sameFile: readonly InputWarning[];
}

/** Checks every input; throws InputUnreadable naming the first that cannot be read, with its flag. */
export async function inspectInputs(inputs: { readonly [S in StreamName]: string }): Promise<InspectedInputs> {
  const sizes = {} as Record<StreamName, number>;
  const byFile = new Map<string, StreamName[]>();
  for (const stream of STREAM_NAMES) {
    const path = inputs[stream];
    const named = `input file ${path} (${INPUT_FLAGS[stream]})`;
    let found: import('node:fs').Stats;
    try {
      found = await stat(path);
    } catch (error) {
      throw new InputUnreadable(`${named}: ${describeFileError(error)}`);
    }
    if (found.isDirectory()) throw new InputUnreadable(`${named} is a directory, not a file`);
    if (!found.isFile()) throw new InputUnreadable(`${named} is not a regular file`);
    try {
      await access(path, constants.R_OK);
    } catch (error) {
      throw new InputUnreadable(`${named}: ${describeFileError(error)}`);
    }
    sizes[stream] = found.size;
    const id = `${found.dev}:${found.ino}`;
    byFile.set(id, [...(byFile.get(id) ?? []), stream]);
  }
  const sameFile: InputWarning[] = [...byFile.values()].filter((s) => s.length > 1).map((s) => ({ warning: 'same-file', inputs: s, path: inputs[s[0]!] }));
  return { sizes, sameFile };
}

/** The inputs that gave no record at all (an empty file, blank lines only, a container without blocks). */
export function noRecordWarnings(inputs: { readonly [S in StreamName]: string }, read: Readonly<Record<string, { readonly records: number }>>): InputWarning[] {
  return STREAM_NAMES.filter((s) => read[s]?.records === 0).map((s) => ({ warning: 'no-records', inputs: [s], path: inputs[s] }));
}

export function describeInputWarning(w: InputWarning): string {
  const flags = w.inputs.map((s) => INPUT_FLAGS[s]);
  return w.warning === 'same-file'
    ? `warning: the same file ${w.path} is given for ${flags.join(' and ')}`
    : `warning: input file ${w.path} (${flags[0]}) holds no records`;
}
