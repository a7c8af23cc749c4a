// Composition root of `optout-verifier export`: reads the flags and the Kafka settings once (as `run` reads them;
// no database, no key), reads the files they name, and exports the input topics up to their end offsets at the
// start into the files `replay` reads. The summary goes to stderr; stdout stays empty.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { destination, pino } from 'pino';
import { streamValueDecoder, type ValueFraming } from '../codec/stream-value-codec.js';
import type { StreamName } from '../core/records.js';
import { SchemaRegistryClient } from '../schema-registry/registry-client.js';
import { readKafkaFiles } from './deployment-files.js';
import { describeFailure, VerifierError } from './errors.js';
import { runExport } from './export/export-run.js';
import { exportSummary, totalRejected } from './export/export-manifest.js';
import { EXPORT_EXIT, parseExportOptions } from './export/export-options.js';
import { checkTarget, TargetRefused } from './export/export-target.js';
import { MessageTriage } from './export/message-triage.js';
import { createKafka } from './kafka/kafka-client.js';

const NAME = 'optout-verifier export';

class ExportStopped extends Error {
  constructor(readonly signal: string) {
    super(`stopped by ${signal}`);
    this.name = 'ExportStopped';
  }
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseExportOptions(argv, process.env);
  if (!parsed.ok) {
    if (parsed.help !== undefined) {
      process.stdout.write(parsed.help);
      return EXPORT_EXIT.OK;
    }
    process.stderr.write(`${NAME}: ${parsed.problems.length} problem(s):\n${parsed.problems.map((p) => `  - ${p}`).join('\n')}\n(see ${NAME} --help)\n`);
    return EXPORT_EXIT.USAGE;
  }
  const options = parsed.options;
  for (const warning of options.warnings) process.stderr.write(`${NAME}: warning: ${warning}\n`);
  const outDir = resolve(options.outDir);
  try {
    await checkTarget(outDir, options.force);
  } catch (error) {
    if (!(error instanceof TargetRefused)) throw error;
    process.stderr.write(`${NAME}: ${error.message}\n`);
    return EXPORT_EXIT.USAGE;
  }
  const problems: string[] = [];
  const files = await readKafkaFiles(options.kafka, problems);
  if (files === null) {
    process.stderr.write(`${NAME}: ${problems.length} file(s) named in the settings cannot be used:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return EXPORT_EXIT.USAGE;
  }

  // kafkajs's own lines (connection failures, retries) only at error level: the command says what failed itself.
  const logger = pino({ level: 'error', base: { command: 'export' } }, destination(2));
  const { kafka: settings, schemaRegistry } = options.kafka;
  const registry = schemaRegistry === null ? null : new SchemaRegistryClient({
    url: schemaRegistry.url, username: schemaRegistry.username, password: files.schemaRegistry?.password ?? null,
    ca: files.schemaRegistry?.ca ?? null, timeoutMs: schemaRegistry.timeoutMs,
  });
  // A signal stops the read; the work folder is removed, and nothing is left under an export's names.
  const stop = new Promise<Error>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(new ExportStopped(signal)));
  });
  const framingOf = (stream: StreamName): ValueFraming => (files.framing === null ? { kind: 'confluent', registry: registry! } : files.framing[stream]);
  try {
    const outcome = await runExport({
      kafka: createKafka(options.kafka, files, logger),
      triageOf: (stream) => new MessageTriage(stream, streamValueDecoder(stream, framingOf(stream)), options.range),
      stop,
    }, {
      outDir, format: options.format, range: options.range, topics: options.kafka.inputTopics, valueEncoding: options.kafka.encoding.kind,
      read: {
        groupId: `${settings.groupId}.export.${randomBytes(6).toString('hex')}`, sessionTimeoutMs: settings.sessionTimeoutMs,
        heartbeatIntervalMs: settings.heartbeatIntervalMs, fetchMaxWaitMs: settings.fetchMaxWaitMs,
      },
    });
    process.stderr.write(exportSummary(outcome, outDir));
    return totalRejected(outcome) > 0 ? EXPORT_EXIT.REJECTED : EXPORT_EXIT.OK;
  } catch (error) {
    if (error instanceof ExportStopped) {
      process.stderr.write(`${NAME}: stopped by ${error.signal}, nothing exported\n`);
      return EXPORT_EXIT.FAILED;
    }
    if (error instanceof VerifierError || (error as NodeJS.ErrnoException).code !== undefined) {
      process.stderr.write(`${NAME}: failed, nothing exported: ${describeFailure(error).message}\n`);
      return EXPORT_EXIT.FAILED;
    }
    process.stderr.write(`${NAME}: internal error, nothing exported: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    return EXPORT_EXIT.INTERNAL;
  } finally {
    registry?.close();
  }
}
