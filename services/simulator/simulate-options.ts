// The flags of `optout-verifier simulate`, parsed once into a frozen config. Every problem is reported at once,
// one line each, so that a wrong invocation is fixed in one go. The scenario goes either to files (--out) or, paced,
// to the four input topics of a Kafka cluster (--publish kafka); for Kafka, KAFKA_BROKERS and the live service's
// TOPIC_* variables stand in for flags not given (main.ts passes the environment in).
import { Command, CommanderError, Option } from 'commander';
import type { ContainerCodec } from '../codec/container-format.js';
import { STREAM_NAMES, type StreamName } from '../core/records.js';
import { DEFAULT_TOPICS, topicSetting } from '../contract/streams.js';
import { SHIPPED_CATALOGUE_PATH } from '../contract/shipped-catalogue.js';
import { SHIPPED_CATALOGUE_FILE } from '../package-root.js';
import { MAX_PRACTICES } from './practice-roster.js';
import { DEFAULTS, FAULT_PROFILES, type FaultProfile, type ReleaseSize, type ScenarioParams } from './scenario-params.js';
import { TEST_RANGE_CAPACITY } from './test-nhs-numbers.js';
import { parseSchemaRegistrySettings, type SchemaRegistrySettings } from '../schema-registry/registry-settings.js';

/** Where and how fast `--publish kafka` sends the scenario. */
export interface KafkaPublishConfig {
  readonly brokers: readonly string[];
  readonly topics: { readonly [S in StreamName]: string };
  /** Records per second, over all four topics. */
  readonly pacePerSecond: number;
  /** single-object, or the Confluent wire format with the contract's schemas registered under `<topic>-value`. */
  readonly valueEncoding: { readonly kind: 'single-object' } | { readonly kind: 'confluent'; readonly registry: SchemaRegistrySettings };
}

/** Where the scenario goes: files in a directory, or the input topics of a Kafka cluster. */
export type SimulateTarget =
  | { readonly outDir: string; readonly publish: null }
  | { readonly outDir: null; readonly publish: KafkaPublishConfig };

export type SimulateConfig = SimulateTarget & ScenarioFlags;

/** The scenario's parameters as flags give them (the catalogue as a path, read later), and how the files are written. */
export interface ScenarioFlags extends Pick<ScenarioParams, 'seed' | 'practices' | 'patients' | 'days' | 'startAt' | 'faults' | 'format' | 'releaseSize' | 'optOutsPerYear'> {
  readonly codec: ContainerCodec;
  readonly cataloguePath: string;
  readonly quiet: boolean;
}

export type ParsedFlags = { readonly kind: 'run'; readonly config: SimulateConfig } | { readonly kind: 'exit'; readonly code: number; readonly lines: readonly string[] };

const MAX_DAYS = 20 * 366;
const MAX_PACE = 1_000_000;
const DEFAULT_PACE = '200/s';

/** The flag of each input topic, e.g. --topic-gp-events; its variable is the live service's TOPIC_GP_EVENTS. */
export const TOPIC_FLAGS: { readonly [S in StreamName]: string } = {
  gpEvents: 'topic-gp-events', ndsReceived: 'topic-nds-received', ndsManifests: 'topic-nds-manifests', ndsDisseminations: 'topic-nds-disseminations',
};

type Env = Readonly<Record<string, string | undefined>>;

function command(): Command {
  return new Command('optout-verifier simulate')
    .description('Write a seeded synthetic scenario: GP opt-out events, the national data service\'s receipts, extract manifests and weekly releases, with chosen faults, plus scenario.json.')
    .option('--out <dir>', 'directory for the four input files and scenario.json (created if missing)')
    .addOption(new Option('--publish <target>', 'instead of files, publish the records to the four input topics, in generation order, at --pace').choices(['kafka']))
    .option('--pace <n/s>', `with --publish: records per second over all topics (default ${DEFAULT_PACE})`)
    .option('--brokers <list>', 'with --publish: Kafka bootstrap brokers host:port[,host:port...] (default $KAFKA_BROKERS)')
    .option('--value-encoding <kind>', 'with --publish: single-object or confluent (default $VALUE_ENCODING or single-object)')
    .option('--schema-registry-url <url>', 'with --publish and confluent: the Schema Registry (default $SCHEMA_REGISTRY_URL; auth and CA from the SCHEMA_REGISTRY_* variables)')
    .option(`--${TOPIC_FLAGS.gpEvents} <name>`, `with --publish: GP events topic (default $TOPIC_GP_EVENTS or ${DEFAULT_TOPICS.gpEvents})`)
    .option(`--${TOPIC_FLAGS.ndsReceived} <name>`, `with --publish: received objections topic (default $TOPIC_NDS_RECEIVED or ${DEFAULT_TOPICS.ndsReceived})`)
    .option(`--${TOPIC_FLAGS.ndsManifests} <name>`, `with --publish: extract manifests topic (default $TOPIC_NDS_MANIFESTS or ${DEFAULT_TOPICS.ndsManifests})`)
    .option(`--${TOPIC_FLAGS.ndsDisseminations} <name>`, `with --publish: disseminations topic (default $TOPIC_NDS_DISSEMINATIONS or ${DEFAULT_TOPICS.ndsDisseminations})`)
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
    .addOption(new Option('--catalogue <file>', 'code catalogue to take opt-out codes from').default(SHIPPED_CATALOGUE_FILE, `the shipped ${SHIPPED_CATALOGUE_PATH}`))
    .option('--quiet', 'print nothing on success (no progress lines when publishing)')
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .exitOverride();
}

export function parseSimulateFlags(argv: readonly string[], env: Env = {}): ParsedFlags {
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
  const given = (flag: string): boolean => cmd.getOptionValueSource(camel(flag)) === 'cli';
  const outDir = typeof o.out === 'string' ? o.out : null;
  let target: SimulateTarget | null = null;
  if (o.publish === 'kafka') {
    if (outDir !== null) problems.push('--out and --publish are alternatives: write files or publish to Kafka, not both');
    // Kafka messages carry Avro single-object values; the file format and block codec do not apply.
    for (const flag of ['format', 'codec']) if (given(flag)) problems.push(`--${flag} applies to files (--out), not to --publish`);
    target = { outDir: null, publish: parsePublish(o, env, problems) };
  } else {
    if (outDir === null) problems.push('--out <dir> is required (or --publish kafka to send the records to Kafka instead)');
    else target = { outDir, publish: null };
    for (const flag of ['pace', 'brokers', 'value-encoding', 'schema-registry-url', ...STREAM_NAMES.map((s) => TOPIC_FLAGS[s])]) if (given(flag)) problems.push(`--${flag} applies only with --publish kafka`);
  }
  if (problems.length > 0 || target === null) return { kind: 'exit', code: 2, lines: problems.map((p) => `optout-verifier simulate: ${p}`) };
  return {
    kind: 'run',
    config: Object.freeze({
      ...target, seed, practices, patients, days, startAt, faults, format, codec, releaseSize, optOutsPerYear,
      cataloguePath: String(o.catalogue), quiet: o.quiet === true,
    }),
  };
}

const BROKER = /^[^\s:,]+:\d{1,5}$/;
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

function parsePublish(o: Record<string, string | boolean | undefined>, env: Env, problems: string[]): KafkaPublishConfig {
  const fromEnv = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const brokersText = typeof o.brokers === 'string' ? o.brokers : fromEnv('KAFKA_BROKERS');
  const brokers = (brokersText ?? '').split(',').map((b) => b.trim()).filter((b) => b.length > 0);
  if (brokers.length === 0) problems.push('--publish kafka needs brokers: --brokers host:port[,host:port...] or KAFKA_BROKERS');
  for (const broker of brokers) if (!BROKER.test(broker)) problems.push(`--brokers: '${broker}' is not host:port`);

  const topics = {} as Record<StreamName, string>;
  for (const stream of STREAM_NAMES) {
    const flag = o[camel(TOPIC_FLAGS[stream])];
    const topic = typeof flag === 'string' ? flag : fromEnv(topicSetting(stream)) ?? DEFAULT_TOPICS[stream];
    if (!TOPIC_NAME.test(topic)) problems.push(`--${TOPIC_FLAGS[stream]}: '${topic}' is not a legal Kafka topic name`);
    topics[stream] = topic;
  }
  if (new Set(Object.values(topics)).size !== STREAM_NAMES.length) problems.push('the four input topics must all be different');

  const pacePerSecond = parsePace(typeof o.pace === 'string' ? o.pace : DEFAULT_PACE, problems);
  const encodingText = typeof o.valueEncoding === 'string' ? o.valueEncoding : fromEnv('VALUE_ENCODING') ?? 'single-object';
  const urlFlag = typeof o.schemaRegistryUrl === 'string' ? o.schemaRegistryUrl : undefined;
  let valueEncoding: KafkaPublishConfig['valueEncoding'] = { kind: 'single-object' };
  if (encodingText === 'confluent') {
    valueEncoding = { kind: 'confluent', registry: parseSchemaRegistrySettings(env, '--value-encoding confluent', problems, urlFlag)! };
  } else if (encodingText !== 'single-object') {
    problems.push(`--value-encoding must be single-object or confluent, got '${encodingText}'`);
  } else if (urlFlag !== undefined) {
    problems.push('--schema-registry-url applies only with --value-encoding confluent');
  }
  return { brokers, topics, pacePerSecond, valueEncoding };
}

/** `N/s`: records per second, a positive number up to a million (e.g. 200/s, 0.5/s). */
export function parsePace(text: string, problems: string[]): number {
  const match = /^(\d+(?:\.\d+)?)\/s$/.exec(text.trim());
  const pace = match ? Number(match[1]) : Number.NaN;
  if (!(pace > 0 && pace <= MAX_PACE)) {
    problems.push(`--pace must be records per second as N/s, above 0 and at most ${MAX_PACE.toLocaleString('en-GB')}/s (e.g. 200/s), got '${text}'`);
    return 0;
  }
  return pace;
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
