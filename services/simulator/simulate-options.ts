// The flags of `optout-verifier simulate`, parsed once into a frozen config. Every problem is reported at once,
// one line each, so that a wrong invocation is fixed in one go.
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import type { ContainerCodec } from '../codec/container-format.js';
import { MAX_PRACTICES } from './practice-roster.js';
import { DEFAULTS, FAULT_PROFILES, type FaultProfile, type ReleaseSize, type TargetFormat } from './scenario-params.js';
import { TEST_RANGE_CAPACITY } from './test-nhs-numbers.js';

export interface SimulateConfig {
  readonly outDir: string;
  readonly seed: number;
  readonly practices: number;
  readonly patients: number;
  readonly days: number;
  readonly startAt: number;
  readonly faults: readonly FaultProfile[];
  readonly format: TargetFormat;
  readonly codec: ContainerCodec;
  readonly releaseSize: ReleaseSize;
  readonly optOutsPerYear: number;
  readonly cataloguePath: string;
  readonly quiet: boolean;
}

export type ParsedFlags = { readonly kind: 'run'; readonly config: SimulateConfig } | { readonly kind: 'exit'; readonly code: number; readonly lines: readonly string[] };

const SHIPPED_CATALOGUE = fileURLToPath(new URL('../../schemas/code-catalogue.json', import.meta.url));
const MAX_DAYS = 20 * 366;

function command(): Command {
  return new Command('optout-verifier simulate')
    .description('Write a seeded synthetic scenario: GP opt-out events, the national data service\'s receipts, extract manifests and weekly releases, with chosen faults, plus scenario.json.')
    .requiredOption('--out <dir>', 'directory for the four input files and scenario.json (created if missing)')
    .option('--seed <n>', 'seed: the same seed and flags give byte-identical files', String(DEFAULTS.seed))
    .option('--practices <n>', 'GP practices, spread over EMIS, TPP, VISION and MICROTEST at their market shares', String(DEFAULTS.practices))
    .option('--patients <n>', `registered patients in total, over all practices (at most ${TEST_RANGE_CAPACITY}: the valid numbers of the 999 test range)`, String(DEFAULTS.patients))
    .option('--days <n>', 'simulated days', String(DEFAULTS.days))
    .option('--start <date>', 'first simulated day, YYYY-MM-DD (UTC)', DEFAULTS.start)
    .option('--faults <list>', `comma-separated fault profiles, or none, or all: ${FAULT_PROFILES.join(', ')}`, 'none')
    .option('--format <format>', 'avro or ndjson', 'avro')
    .option('--codec <codec>', 'Avro block codec: null or deflate (ignored for ndjson)', 'null')
    .option('--disseminations-per-week <n|p%>', 'candidate lines per weekly release before the opt-out filter: a number, or a percentage of patients', DEFAULTS.disseminationsPerWeek)
    .option('--opt-outs-per-year <fraction>', 'share of patients who come in to record a dissent in a year', String(DEFAULTS.optOutsPerYear))
    .addOption(new Option('--catalogue <file>', 'code catalogue to take opt-out codes from').default(SHIPPED_CATALOGUE, 'the shipped schemas/code-catalogue.json'))
    .option('--quiet', 'print nothing on success')
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .exitOverride();
}

export function parseSimulateFlags(argv: readonly string[]): ParsedFlags {
  const cmd = command();
  let helpText = '';
  let errorText = '';
  cmd.configureOutput({ writeOut: (s) => (helpText += s), writeErr: (s) => (errorText += s) });
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') return { kind: 'exit', code: 0, lines: [helpText.trimEnd()] };
      return { kind: 'exit', code: 2, lines: [`optout-verifier simulate: ${(errorText.trim() || err.message).replace(/^error: /, '')}`] };
    }
    throw err;
  }
  const o = cmd.opts<Record<string, string | boolean | undefined>>();
  const problems: string[] = [];
  const int = (flag: string, min: number, max: number): number => {
    const text = String(o[camel(flag)]);
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) problems.push(`--${flag} must be a whole number from ${min} to ${max}, got '${text}'`);
    return n;
  };
  const seed = int('seed', 0, Number.MAX_SAFE_INTEGER);
  const practices = int('practices', 1, MAX_PRACTICES);
  const patients = int('patients', 1, TEST_RANGE_CAPACITY);
  if (patients < practices) problems.push(`--patients (${patients}) must be at least --practices (${practices}): every practice needs a patient`);
  const days = int('days', 1, MAX_DAYS);
  const startAt = parseStart(String(o.start), problems);
  const faults = parseFaults(String(o.faults), problems);
  const format = oneOf('format', String(o.format), ['avro', 'ndjson'] as const, problems);
  const codec = oneOf('codec', String(o.codec), ['null', 'deflate'] as const, problems);
  const releaseSize = parseReleaseSize(String(o.disseminationsPerWeek), problems);
  const optOutsPerYear = Number(o.optOutsPerYear);
  if (!(optOutsPerYear > 0 && optOutsPerYear <= 1)) problems.push(`--opt-outs-per-year must be a fraction above 0 and at most 1, got '${String(o.optOutsPerYear)}'`);
  if (problems.length > 0) return { kind: 'exit', code: 2, lines: problems.map((p) => `optout-verifier simulate: ${p}`) };
  return {
    kind: 'run',
    config: Object.freeze({
      outDir: String(o.out), seed, practices, patients, days, startAt, faults, format, codec, releaseSize, optOutsPerYear,
      cataloguePath: String(o.catalogue), quiet: o.quiet === true,
    }),
  };
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function parseStart(text: string, problems: string[]): number {
  const at = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : NaN;
  if (Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== text) {
    problems.push(`--start must be a calendar date YYYY-MM-DD, got '${text}'`);
  }
  return at;
}

function parseFaults(text: string, problems: string[]): FaultProfile[] {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0 || (names.length === 1 && names[0] === 'none')) return [];
  if (names.length === 1 && names[0] === 'all') return [...FAULT_PROFILES];
  const unknown = names.filter((n) => !(FAULT_PROFILES as readonly string[]).includes(n));
  if (unknown.length > 0) problems.push(`--faults: unknown profile ${unknown.map((u) => `'${u}'`).join(', ')} (known: ${FAULT_PROFILES.join(', ')}, or none, or all)`);
  // Canonical order, so that the order flags were given in cannot change the scenario or its description.
  return FAULT_PROFILES.filter((p) => names.includes(p));
}

function oneOf<T extends string>(flag: string, text: string, allowed: readonly T[], problems: string[]): T {
  if (!(allowed as readonly string[]).includes(text)) problems.push(`--${flag} must be ${allowed.join(' or ')}, got '${text}'`);
  return text as T;
}

function parseReleaseSize(text: string, problems: string[]): ReleaseSize {
  const share = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (share) {
    const pct = Number(share[1]);
    if (pct <= 1000) return { shareOfPatients: pct / 100 };
  } else if (/^\d+$/.test(text) && Number.isSafeInteger(Number(text))) {
    return { lines: Number(text) };
  }
  problems.push(`--disseminations-per-week must be a whole number or a percentage of patients (e.g. 5%), got '${text}'`);
  return { lines: 0 };
}
