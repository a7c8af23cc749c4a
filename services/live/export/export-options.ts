// The flags of `optout-verifier export`, and the Kafka settings read exactly as `run` reads them
// (config.ts, parseKafkaInputConfig): no database, no pseudonym key.
import { Option } from 'commander';
import type { RecordFileFormat } from '../../codec/record-writer.js';
import { CONTRACT_STREAMS } from '../../contract/streams.js';
import { STREAM_FIELDS, STREAM_NAMES } from '../../core/records.js';
import { settingsHelp } from '../../settings/settings-doc.js';
import { KAFKA_INPUT_SETTINGS, parseFlags, parseKafkaInputConfig, settingsCommand, type KafkaInputConfig } from '../config.js';
import { parseInstant, type EventTimeRange } from './event-time-range.js';

export interface ExportOptions {
  readonly outDir: string;
  readonly format: RecordFileFormat;
  readonly force: boolean;
  readonly range: EventTimeRange;
  readonly kafka: KafkaInputConfig;
  readonly warnings: readonly string[];
}

export const EXPORT_EXIT = { OK: 0, REJECTED: 1, USAGE: 2, FAILED: 3, INTERNAL: 4 } as const;

export const EXPORT_HELP = `
Reads the four input topics of a deployment, each partition from its start up to the end offset it had when the
export began (read first, with the admin client), and writes the files \`optout-verifier replay\` reads, to
confirm an alert with a replay. Records produced after the start are not read; nothing is waited for. The export
joins a consumer group of its own (<KAFKA_GROUP_ID>.export.<random>) and commits no offset.

Files in --out: gp-events, nds-received, nds-manifests, nds-disseminations (.avro, or .ndjson with --format
ndjson), each stream's records in (partition, offset) order; rejected.ndjson; export.json (end offsets, counts,
range, files; no record content). Two exports of unchanged topics give byte-identical files.

Event time: ${STREAM_NAMES.map((stream) => `${STREAM_FIELDS[stream].time} (${CONTRACT_STREAMS[stream].fileStem})`).join(', ')}.
--from is inclusive and --to exclusive; each takes 2018-03-01, 2018-03-01T00:00:00Z (an offset is required) or epoch ms.

A message that cannot be decoded, or that lacks a field the contract's schema requires, is not exported: it is
written to rejected.ndjson with its topic, partition, offset, reason and raw key and value (base64), counted on
stderr, and makes the exit code 1. An undecodable message has no event time: it is listed whatever the range.
The record files and rejected.ndjson hold the input's own data, NHS numbers included: handle them as the input
topics are handled.

Settings are read as \`optout-verifier run\` reads them (a flag wins over its variable; see run --help).
${settingsHelp(KAFKA_INPUT_SETTINGS)}

Exit codes:
  0  exported; no message was rejected
  1  exported, but some messages could not be: they are in rejected.ndjson (the summary gives the count)
  2  a flag or setting is missing or bad, a file the settings name cannot be read, or --out is refused
  3  Kafka or the Schema Registry failed, a topic is missing, the files could not be written, or SIGINT or
     SIGTERM stopped it while reading (nothing is left under an export's names)
  4  an unexpected internal error`;

export type ParsedExport = { readonly ok: true; readonly options: ExportOptions } | { readonly ok: false; readonly problems: readonly string[]; readonly help?: string };

export function parseExportOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedExport {
  const program = settingsCommand('optout-verifier export', 'Export the four input topics, up to their end offsets at the start, into the files `replay` reads.', KAFKA_INPUT_SETTINGS)
    .requiredOption('--out <dir>', 'folder to write the files into (new or empty, unless --force)')
    .option('--from <instant>', 'first event time to export, inclusive (default: the first record)')
    .option('--to <instant>', 'event time to stop before, exclusive (default: after the last record)')
    .addOption(new Option('--format <format>', 'record files: Avro object containers or NDJSON').choices(['avro', 'ndjson']).default('avro'))
    .option('--force', 'replace the export in a folder that is not empty');
  const flags = parseFlags(program, argv, EXPORT_HELP);
  if (!flags.ok) return flags;
  const o = flags.values;
  const problems: string[] = [];
  const instant = (flag: string, value: unknown): number | null => {
    if (typeof value !== 'string') return null;
    const ms = parseInstant(value);
    if (ms === undefined) problems.push(`--${flag} '${value}' is not a date (2018-03-01), an instant with an offset (2018-03-01T00:00:00Z) or epoch milliseconds`);
    return ms ?? null;
  };
  const range = { fromMs: instant('from', o.from), toMs: instant('to', o.to) };
  if (range.fromMs !== null && range.toMs !== null && range.fromMs >= range.toMs) problems.push('--from must be before --to (the range is from inclusive, to exclusive)');
  const kafka = parseKafkaInputConfig(o, env);
  if (!kafka.ok) problems.push(...kafka.problems);
  if (problems.length > 0 || !kafka.ok) return { ok: false, problems };
  return {
    ok: true,
    options: { outDir: o.out as string, format: o.format as RecordFileFormat, force: o.force === true, range, kafka: kafka.config, warnings: kafka.warnings },
  };
}
