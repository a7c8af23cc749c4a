// Composition root of `optout-verifier replay`: reads flags and environment once, wires the file readers,
// the keyed identity and the core, writes the report and prints the summary.
import { Command, CommanderError, Option } from 'commander';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULT_READ_LIMITS, LIMIT_CEILING_BYTES, type ReadLimits } from '../codec/read-limits.js';
import { parseCodeCatalogue, type CodeCatalogue } from '../core/code-catalogue.js';
import type { StreamName } from '../core/records.js';
import { SEVERITY } from '../core/rules.js';
import { keyedIdentity } from '../identity/keyed-identity.js';
import { readPseudonymKey } from '../identity/pseudonym-key.js';
import { readDuration } from '../core/duration.js';
import { SHIPPED_CATALOGUE_PATH } from '../contract/shipped-catalogue.js';
import { exitForUserProblem } from '../command-line/command-failure.js';
import { describeFileError, fileProblem, InputProblem, makeDirectory, UsageProblem } from '../command-line/command-problems.js';
import { EXIT } from '../command-line/exit-codes.js';
import { usageProblemOf } from '../command-line/parse-command.js';
import { missingRequiredOptions, requiredOption } from '../command-line/required-options.js';
import { SHIPPED_CATALOGUE_FILE } from '../package-root.js';
import { AS_OF_FORMS, parseAsOf } from './as-of-flag.js';
import { formatByteSize, parseByteSize } from './byte-size.js';
import { describeInputWarning, INPUT_FLAGS, inspectInputs, InputUnreadable, noRecordWarnings } from './input-inspection.js';
import { reportTarget, ReportTargetRefused } from './report-target.js';
import { derivedPseudonymKey, digestInputs, keyedInputDigest, type InputDigest } from './input-digest.js';
import { silentProgress, terminalProgress } from './progress.js';
import { runReplay } from './replay-run.js';
import { judgedDisseminationFile } from './judged-dissemination-file.js';
import { objectionSideFiles } from './objection-side-files.js';
import { oncePerPatient } from './patient-refs.js';
import { formatSummary } from './summary.js';
import { growHeapsByHalf } from './heap-growth.js';
import { auditReport, auditReportChunks, unverifiedWarning } from './audit-report.js';
import { gitCommit, keyProvenance, packageVersion, provenanceOf } from './provenance.js';
import { UnverifiedCodeWatch, unverifiedCatalogue } from './unverified-codes.js';
import { scenarioFaults } from './scenario-faults.js';
import { reportPage } from '../report-html/report-page.js';
import { alertsCsv, deadLettersCsv } from '../report-csv/report-csv.js';
import { createHash } from 'node:crypto';
import type { Identity } from '../core/reconciler.js';



const HELP_AFTER = `
Exit codes:
  0  the replay ran (and no alert reached the --fail-on severity)
  1  alerts at or above the --fail-on severity are in the report
  2  a flag is missing or has a bad value (a --report that is an input, or not a new path or a regular file)
  3  an input, the catalogue or the key cannot be read, or the report cannot be written
  4  an unexpected internal error

Input files: Avro object container files (.avro; null or deflate codec) or newline-delimited JSON
(.ndjson, .jsonl; timestamps as ISO-8601 strings or epoch milliseconds). They need not be sorted.
A record that cannot be read or fails validation is a dead letter in the report; the run goes on.
An Avro block, an NDJSON line or a record over its --max-* limit is a dead letter (UNDECODABLE) and is not
held in memory; reading goes on after it. An input with no records, or one file given for two inputs, is
warned about on stderr and listed in the report's inputWarnings.

--report - writes the report to stdout (the summary then goes to stderr).

Without a pseudonym key, patient references are keyed on the input files' contents: the same inputs give
the same report, but references cannot be compared across different input sets.`;

// Said in the report, on stderr and at the top of the summary: references made under a derived key look like any
// others, and must not be compared with a deployment's.
const KEYLESS_WARNING = 'NO PSEUDONYM KEY WAS GIVEN: patient references are keyed on a key derived from these input files; they match no other run and no live deployment (give --pseudonym-key-file)';
const KEYLESS_BANNER = '*** NO PSEUDONYM KEY: patient references hold for these input files only (see pseudonymKeyWarning in the report) ***';


interface ReplayConfig {
  readonly inputs: { readonly [S in StreamName]: string };
  readonly reportPath: string;
  readonly htmlPath: string | null;
  readonly csvDir: string | null;
  readonly scenarioPath: string | null;
  readonly slaMs: number;
  readonly graceMs: number;
  readonly asOf: number | null;
  /** The catalogue the user named, or null for the shipped one. */
  readonly cataloguePath: string | null;
  readonly keyPath: string | null;
  readonly failOn: 'critical' | 'warning' | null;
  readonly quiet: boolean;
  readonly progress: boolean;
  readonly limits: ReadLimits;
}

function parseConfig(argv: string[], env: NodeJS.ProcessEnv): ReplayConfig {
  const program = new Command('optout-verifier replay')
    .description("The auditor's replay: reconcile four event files and write a byte-reproducible JSON report.")
    .addOption(requiredOption('--gp-events <file>', 'GP opt-out events (optout.v1.GpOptOutEvent)'))
    .addOption(requiredOption('--nds-received <file>', 'objections received by the national data service (optout.v1.NdsReceivedObjection)'))
    .addOption(requiredOption('--nds-manifests <file>', 'extract manifests (optout.v1.NdsExtractManifest)'))
    .addOption(requiredOption('--nds-disseminations <file>', 'disseminations (optout.v1.NdsDissemination)'))
    .addOption(requiredOption('--report <file>', 'where to write the JSON report: a new path or a regular file, or - for stdout'))
    .option('--html <file>', 'also write the report as one self-contained HTML page')
    .option('--csv <dir>', 'also write alerts.csv and dead-letters.csv into this folder (made if missing)')
    .option('--scenario <file>', "the simulator's scenario.json, to shade its fault windows (default: one beside --gp-events)")
    .option('--sla <duration>', 'time allowed for an opt-out to reach the national data service', '72h')
    .option('--grace <duration>', 'grace after a manifest check, and for downstream-caused episodes', '1h')
    .option('--as-of <instant>', 'the instant the report is as of: 2024-01-05 (midnight UTC), 2024-01-05T12:00:00Z or epoch milliseconds (default: the latest event time)')
    .option('--catalogue <file>', `code catalogue JSON (default: the shipped ${SHIPPED_CATALOGUE_PATH})`)
    .option('--pseudonym-key-file <file>', 'key for patient references (HMAC-SHA256); default $PSEUDONYM_KEY_FILE')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when alerts of this severity or worse are in the report').choices(['critical', 'warning']))
    .option('--quiet', 'print nothing on stdout')
    .option('--no-progress', 'no progress bar, even on a terminal')
    .option('--max-block-bytes <size>', 'largest Avro block, as stored and inflated (e.g. 64MiB)', formatByteSize(DEFAULT_READ_LIMITS.maxBlockBytes))
    .option('--max-line-bytes <size>', 'longest NDJSON line', formatByteSize(DEFAULT_READ_LIMITS.maxLineBytes))
    .option('--max-record-bytes <size>', 'largest record (Avro binary, or NDJSON line)', formatByteSize(DEFAULT_READ_LIMITS.maxRecordBytes))
    .addHelpText('after', HELP_AFTER)
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: (s) => process.stdout.write(s) });
  program.parse(argv, { from: 'user' });
  const o = program.opts<Record<string, string | boolean | undefined>>();
  const problems: string[] = [];
  const missing = missingRequiredOptions(program);
  if (missing !== null) problems.push(missing);
  const duration = (flag: string, value: string) => {
    const reading = readDuration(value);
    if ('refused' in reading) problems.push(`--${flag} '${value}' ${reading.refused}`);
    return 'ms' in reading ? reading.ms : 0;
  };
  const slaMs = duration('sla', o.sla as string);
  const graceMs = duration('grace', o.grace as string);
  let asOf: number | null = null;
  if (typeof o.asOf === 'string') {
    asOf = parseAsOf(o.asOf) ?? null;
    if (asOf === null) problems.push(`--as-of '${o.asOf}' is not ${AS_OF_FORMS}`);
  }
  const size = (flag: string, value: string) => {
    const bytes = parseByteSize(value);
    if (bytes === undefined || bytes < 1 || bytes > LIMIT_CEILING_BYTES) problems.push(`--${flag} '${value}' is not a size from 1 byte to 1GiB (e.g. 65536, 64KiB, 64MiB)`);
    return bytes ?? 0;
  };
  const limits: ReadLimits = {
    maxBlockBytes: size('max-block-bytes', o.maxBlockBytes as string),
    maxLineBytes: size('max-line-bytes', o.maxLineBytes as string),
    maxRecordBytes: size('max-record-bytes', o.maxRecordBytes as string),
  };
  if (problems.length > 0) throw new UsageProblem(problems.join('; '));
  return {
    inputs: { gpEvents: o.gpEvents as string, ndsReceived: o.ndsReceived as string, ndsManifests: o.ndsManifests as string, ndsDisseminations: o.ndsDisseminations as string },
    reportPath: o.report as string,
    htmlPath: (o.html as string | undefined) ?? null,
    csvDir: (o.csv as string | undefined) ?? null,
    scenarioPath: (o.scenario as string | undefined) ?? null,
    slaMs, graceMs, asOf,
    cataloguePath: (o.catalogue as string | undefined) ?? null,
    keyPath: (o.pseudonymKeyFile as string | undefined) ?? env.PSEUDONYM_KEY_FILE ?? null,
    failOn: (o.failOn as 'critical' | 'warning' | undefined) ?? null,
    quiet: o.quiet === true,
    progress: o.progress !== false,
    limits,
  };
}

async function loadCatalogue(path: string, given: boolean): Promise<{ catalogue: CodeCatalogue; json: unknown; sha256: string }> {
  let text: string;
  let sha256: string;
  try {
    const bytes = await readFile(path);
    sha256 = createHash('sha256').update(bytes).digest('hex');
    text = bytes.toString('utf8');
  } catch (error) {
    throw fileProblem(`the code catalogue${given ? ' (--catalogue)' : ''}`, path, error);
  }
  try {
    const json: unknown = JSON.parse(text);
    return { catalogue: parseCodeCatalogue(json), json, sha256 };
  } catch (error) {
    throw new InputProblem(`the code catalogue${given ? ' (--catalogue)' : ''} ${path} is not a catalogue: ${(error as Error).message}`);
  }
}

/** Failures while reading an input (the file vanished, is not what its name says) are input errors. */
async function* asInputErrors<T>(items: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* items;
  } catch (error) {
    throw new InputProblem((error as Error).message);
  }
}

async function writeAtomically(flag: string, path: string, text: string | Iterable<string>): Promise<void> {
  // A new file (never one found there, whatever it is), renamed over the path: a reader sees all or nothing.
  const temporary = `${path}.${process.pid}.partial`;
  try {
    const file = await open(temporary, 'wx');
    try {
      if (typeof text === 'string') await file.writeFile(text);
      else {
        // One write in flight while the next chunk is made: waiting for each write idled the thread.
        let writing: Promise<unknown> = Promise.resolve();
        try {
          for (const chunk of text) {
            await writing;
            writing = file.write(chunk);
          }
        } finally {
          // Never left unawaited, even when making a chunk fails.
          await writing;
        }
      }
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') await unlink(temporary).catch(() => {});
    // ENOENT on a new file means the directory it would go in is missing.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new InputProblem(`cannot write ${flag} ${path}: its directory does not exist`, { cause: error });
    throw fileProblem(`cannot write ${flag}`, path, error);
  }
}

async function writeToStdout(chunks: Iterable<string>): Promise<void> {
  const fail = (error: Error) => new InputProblem(`cannot write the report to stdout: ${describeFileError(error)}`);
  for (const chunk of chunks) {
    await new Promise<void>((done, failed) => {
      // Waits for each chunk to be taken, so that a long report is never queued whole in memory.
      process.stdout.write(chunk, (error) => (error ? failed(fail(error)) : done()));
    });
  }
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let config: ReplayConfig;
  try {
    config = parseConfig(argv, env);
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) return EXIT.OK;
    return exitForUserProblem('optout-verifier replay', error instanceof CommanderError ? usageProblemOf(error) : error);
  }
  try {
    growHeapsByHalf();
    const streams = Object.keys(config.inputs) as StreamName[];
    let target;
    try {
      const reads = streams.map((s) => ({ flag: INPUT_FLAGS[s], path: config.inputs[s] }));
      if (typeof config.cataloguePath === 'string') reads.push({ flag: '--catalogue', path: config.cataloguePath });
      if (config.keyPath !== null) reads.push({ flag: 'the pseudonym key file', path: config.keyPath });
      target = await reportTarget('--report', config.reportPath, reads);
      if (config.htmlPath !== null && (await reportTarget('--html', config.htmlPath, reads)).kind === 'stdout') {
        throw new ReportTargetRefused('--html - is not supported: give a file');
      }
    } catch (error) {
      throw error instanceof ReportTargetRefused ? new UsageProblem(error.message) : error;
    }
    let inspected;
    try {
      inspected = await inspectInputs(config.inputs);
    } catch (error) {
      throw error instanceof InputUnreadable ? new InputProblem(error.message) : error;
    }
    const { catalogue, json: catalogueJson, sha256: catalogueSha256 } = await loadCatalogue(config.cataloguePath ?? SHIPPED_CATALOGUE_FILE, config.cataloguePath !== null);
    const watch = new UnverifiedCodeWatch(unverifiedCatalogue(catalogueJson));
    const progress = config.progress && process.stderr.isTTY ? terminalProgress(process.stderr) : silentProgress;
    const sizes = inspected.sizes;
    let key: Buffer | null = null;
    if (config.keyPath !== null) {
      try {
        key = await readPseudonymKey(config.keyPath);
      } catch (error) {
        throw new InputProblem((error as Error).message);
      }
    }
    // Asked before the threads start, so that the report does not wait on git once the alerts are made.
    const tool = { version: await packageVersion(), commit: gitCommit(env.OPTOUT_VERIFIER_COMMIT) };
    const digests = digestInputs(streams.map((s) => ({ path: config.inputs[s], keyMaterial: key === null && s !== 'ndsDisseminations' })))
      .then((list) => Object.fromEntries(streams.map((s, i) => [s, list[i]!])) as Record<StreamName, InputDigest>)
      .catch((error: unknown) => {
        throw new InputProblem((error as Error).message);
      });
    digests.catch(() => {});
    let usedKey: Buffer | null = null;
    let identity: Identity | null = null;
    const core = await runReplay(
      { inputs: config.inputs, slaMs: config.slaMs, graceMs: config.graceMs, asOf: config.asOf, catalogue },
      {
        objectionSide: (inputs) => asInputErrors(objectionSideFiles(inputs, catalogueJson, config.limits, (sightings) => watch.absorb(sightings))),
        digests,
        identity: (d) => {
          usedKey = key ?? derivedPseudonymKey(streams.map((s) => d[s]));
          return (identity = oncePerPatient(keyedIdentity(usedKey)));
        },
        publishedDigest: (d) => keyedInputDigest(usedKey!, d),
        progress, sizes,
        judgedDisseminations: (path, objectors, expected) => asInputErrors(judgedDisseminationFile(path, catalogueJson, objectors, expected, config.limits)),
      },
    );
    const inputDigests = await digests;
    const provenance = provenanceOf({
      version: tool.version,
      commit: tool.commit,
      catalogue: { path: config.cataloguePath, sha256: catalogueSha256 },
      key: keyProvenance(usedKey!, config.keyPath),
      inputs: Object.fromEntries(streams.map((s) => [s, { path: config.inputs[s], bytes: inputDigests[s].bytes, hmacSha256: keyedInputDigest(usedKey!, inputDigests[s]) }])) as Parameters<typeof provenanceOf>[0]['inputs'],
    });
    const unverified = { catalogueEntries: (unverifiedCatalogue(catalogueJson)?.entries ?? []).map((e) => e.code), decidedAlerts: watch.decisions(core.alerts, (nhs) => identity!.patientRefFor(nhs)) };
    // Listed only when there is something to say, so that the reports of ordinary runs keep their form.
    const inputWarnings = [...inspected.sameFile, ...noRecordWarnings(config.inputs, core.inputs)];
    const audit = auditReport(core, provenance, unverified);
    const keyed = config.keyPath === null ? { ...audit, pseudonymKeyWarning: KEYLESS_WARNING } : audit;
    const report = inputWarnings.length === 0 ? keyed : { ...keyed, inputWarnings };
    for (const w of inputWarnings) process.stderr.write(`optout-verifier replay: ${describeInputWarning(w)}\n`);
    if (target.kind === 'stdout') await writeToStdout(auditReportChunks(report));
    else await writeAtomically('--report', target.path, auditReportChunks(report));
    if (config.htmlPath !== null) {
      const faults = await scenarioFaults(config.scenarioPath, config.inputs.gpEvents).catch((error: unknown) => {
        throw new InputProblem((error as Error).message);
      });
      await writeAtomically('--html', config.htmlPath, reportPage({ report, faults, generatedAt: new Date().toISOString() }));
    }
    if (config.csvDir !== null) {
      await makeDirectory('--csv', config.csvDir);
      await writeAtomically('--csv', join(config.csvDir, 'alerts.csv'), alertsCsv(report));
      await writeAtomically('--csv', join(config.csvDir, 'dead-letters.csv'), deadLettersCsv(report));
    }
    const warning = unverifiedWarning(unverified);
    if (warning !== null) process.stderr.write(`optout-verifier replay: ${warning}\n`);
    if (config.keyPath === null) process.stderr.write(`optout-verifier replay: warning: ${KEYLESS_WARNING}\n`);
    if (!config.quiet) {
      const summary = (config.keyPath === null ? `${KEYLESS_BANNER}\n` : '') + formatSummary(report, target.kind === 'stdout' ? '(stdout)' : resolve(target.path));
      (target.kind === 'stdout' ? process.stderr : process.stdout).write(summary);
    }
    if (config.failOn !== null) {
      const gate = config.failOn;
      const tripped = report.alerts.some((a) => gate === 'warning' || SEVERITY[a.rule] === 'critical');
      if (tripped) {
        process.stderr.write(`optout-verifier replay: alerts at or above '${gate}' in the report (--fail-on ${gate})\n`);
        return EXIT.FINDING;
      }
    }
    return EXIT.OK;
  } catch (error) {
    return exitForUserProblem('optout-verifier replay', error);
  }
}
