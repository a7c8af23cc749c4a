// Composition root of `optout-verifier run`: reads the environment and flags once, reads the files they name,
// starts the service, and stops it on SIGTERM or SIGINT (finish the batch in hand, commit, leave the group).
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { packageFile } from '../package-root.js';
import { parseLiveConfig } from './config.js';
import { readDeploymentFiles } from './deployment-files.js';
import { describeFailure } from './errors.js';
import { startLiveService } from './live-service.js';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

function buildVersion(): string {
  try {
    return (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The commit the build was made from (the image's COMMIT build argument), when it looks like one. */
function buildCommit(value: string | undefined): { commit?: string } {
  const commit = value?.trim().toLowerCase();
  return commit !== undefined && /^[0-9a-f]{7,64}$/.test(commit) ? { commit } : {};
}

export async function main(argv: string[]): Promise<number> {
  const env = process.env;
  const parsed = parseLiveConfig(argv, env);
  if (!parsed.ok) {
    if (parsed.help !== undefined) {
      process.stdout.write(parsed.help);
      return EXIT.OK;
    }
    process.stderr.write(`optout-verifier run: the settings have ${parsed.problems.length} problem(s):\n${parsed.problems.map((p) => `  - ${p}`).join('\n')}\n(see optout-verifier run --help)\n`);
    return EXIT.USAGE;
  }
  const config = parsed.config;
  const files = await readDeploymentFiles(config);
  if (!files.ok) {
    process.stderr.write(`optout-verifier run: ${files.problems.length} file(s) named in the settings cannot be used:\n${files.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return EXIT.USAGE;
  }
  const instanceName = config.instanceName ?? `${hostname()}-${process.pid}`;
  const logger = pino({
    level: config.logLevel,
    base: { service: 'optout-verifier', instance: instanceName },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
  const version = buildVersion();
  logger.info({
    version, brokers: config.kafka.brokers, group: config.kafka.groupId, topics: config.topics, schema: config.database.schema,
    encoding: config.encoding.kind, alertEncoding: config.alertEncoding, schemaRegistry: config.schemaRegistry?.url ?? null, slaMs: config.slaMs, graceMs: config.graceMs, allowedLatenessMs: config.allowedLatenessMs,
    idleTimeoutMs: config.idleTimeoutMs, tls: config.kafka.ssl, sasl: config.kafka.sasl?.mechanism ?? null,
    stallTimeoutMs: config.stallTimeoutMs, allowPlaintext: config.allowPlaintext,
  }, 'starting optout-verifier run');
  for (const warning of parsed.warnings) logger.warn(warning);

  const stopRequested = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  let service;
  try {
    service = await Promise.race([
      startLiveService(config, files.files, { logger, registry: new Registry(), build: { version, ...buildCommit(env.OPTOUT_VERIFIER_COMMIT) }, instanceName }),
      stopRequested.then(() => null),
    ]);
  } catch (error) {
    logger.fatal({ error: describeFailure(error) }, 'cannot start');
    return EXIT.FAILED;
  }
  if (service === null) {
    logger.info('stopped before it had started');
    forceExitSoon(EXIT.OK);
    return EXIT.OK;
  }
  const ending = await Promise.race([
    stopRequested.then((signal) => ({ signal, failure: null })),
    service.failed.then((failure) => ({ signal: null, failure })),
  ]);
  if (ending.failure !== null) {
    // The reason was logged where it happened; the orchestrator restarts the process, which resumes from PostgreSQL.
    logger.fatal({ error: describeFailure(ending.failure) }, 'stopping: the service cannot go on in this process; exit 1');
    await Promise.race([service.stop(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    forceExitSoon(EXIT.FAILED);
    return EXIT.FAILED;
  }
  logger.info({ signal: ending.signal }, 'stopping: finishing the batch in hand, committing, leaving the group');
  await service.stop();
  logger.info('stopped');
  forceExitSoon(EXIT.OK);
  return EXIT.OK;
}

/** Everything is closed by now; should a library keep a handle open, do not wait on it forever. */
function forceExitSoon(code: number): void {
  setTimeout(() => process.exit(code), 5_000).unref();
}
