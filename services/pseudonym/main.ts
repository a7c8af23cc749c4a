// Composition root of `optout-verifier pseudonym`: for a key holder, turns NHS numbers on stdin into
// `nhsNumber,patientRef` lines on stdout under the deployment's pseudonym key, so that an authorised person can
// find which alerts concern which patients. It prints NHS numbers only on stdout, as asked; its messages
// name lines by number, never by content.
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { EXIT } from '../command-line/exit-codes.js';
import { parseCommand } from '../command-line/parse-command.js';
import { keyFingerprint } from '../identity/key-fingerprint.js';
import { keyedIdentity } from '../identity/keyed-identity.js';
import { readPseudonymKey } from '../identity/pseudonym-key.js';
import { readListLine } from './nhs-number-lines.js';

const HELP_AFTER = `
Reads one NHS number per line on stdin (spaces or hyphens in the usual places are allowed; blank lines are
skipped) and writes "nhsNumber,patientRef" for each on stdout, in input order. patientRef is HMAC-SHA256 of the
NHS number under the key, as in the verifier's alerts and reports. The key's fingerprint goes to stderr:
compare it with a report's provenance.pseudonymKey.fingerprint.

Exit codes:
  0  every line was an NHS number (or blank)
  1  some lines were not valid NHS numbers: each is named on stderr by its line number; the rest were written
  2  a flag is missing or wrong (no key: the command refuses)
  3  the key file cannot be read or is too short

Whoever holds the output can re-identify the patients in the verifier's alerts: treat it as the key itself.`;

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const program = new Command('optout-verifier pseudonym')
    .description('For key holders: NHS numbers on stdin, "nhsNumber,patientRef" lines on stdout.')
    .option('--key-file <file>', 'the pseudonym key (raw bytes, hex or base64); default $PSEUDONYM_KEY_FILE')
    .addHelpText('after', HELP_AFTER);
  const ended = parseCommand(program, argv, 'optout-verifier pseudonym');
  if (ended !== null) return ended;
  const keyPath = program.opts<{ keyFile?: string }>().keyFile ?? env.PSEUDONYM_KEY_FILE;
  if (keyPath === undefined || keyPath === '') {
    process.stderr.write('optout-verifier pseudonym: refusing to run without a key: give --key-file FILE (or set PSEUDONYM_KEY_FILE)\n');
    return EXIT.USAGE;
  }
  let patientRefFor: (nhsNumber: string) => string;
  let fingerprint: string;
  try {
    const key = await readPseudonymKey(keyPath);
    patientRefFor = keyedIdentity(key).patientRefFor;
    fingerprint = keyFingerprint(key);
  } catch (error) {
    process.stderr.write(`optout-verifier pseudonym: ${(error as Error).message}\n`);
    return EXIT.INPUT;
  }
  process.stderr.write(`optout-verifier pseudonym: key fingerprint ${fingerprint}\n`);
  let written = 0;
  let invalid = 0;
  let lineNumber = 0;
  // A reader that stops (e.g. `| head`) ends the process quietly (services/cli/closed-output.ts).
  const writable = () => new Promise<void>((resolve) => {
    const done = () => resolve();
    process.stdout.once('drain', done).once('close', done);
  });
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    lineNumber++;
    const read = readListLine(line);
    if (read.kind === 'blank') continue;
    if (read.kind === 'invalid') {
      invalid++;
      process.stderr.write(`optout-verifier pseudonym: line ${lineNumber}: not an NHS number (ten digits with a valid check digit); skipped\n`);
      continue;
    }
    if (!process.stdout.write(`${read.nhsNumber},${patientRefFor(read.nhsNumber)}\n`)) await writable();
    written++;
  }
  process.stderr.write(`optout-verifier pseudonym: ${written} reference${written === 1 ? '' : 's'} written; ${invalid} line${invalid === 1 ? '' : 's'} skipped\n`);
  return invalid > 0 ? EXIT.FINDING : EXIT.OK;
}
