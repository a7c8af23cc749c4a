// Writes a run's records into the four input files, Avro object containers or NDJSON. Writers come from the
// codec; this file only routes items and chooses the writer schema. Avro sync markers are derived from the seed
// so that the same seed and flags give byte-identical files.
import { join } from 'node:path';
import { CONTRACT_STREAMS } from '../contract/streams.js';
import type { RecordOf, StreamName } from '../core/records.js';
import { STREAM_NAMES } from '../core/records.js';
import type { ContainerCodec } from '../codec/container-format.js';
import { ndjsonLineEncoder, openAvroWriterWithSchema, openRawNdjsonWriter, openRecordWriter } from '../codec/record-writer.js';
import { streamSchemaJson } from '../codec/schema-catalog.js';
import { FOREIGN_PURPOSE } from './bad-records.js';
import type { ScenarioRun } from './scenario-generator.js';
import type { TargetFormat } from './scenario-params.js';
import { SeededRandom } from './seeded-random.js';
import type { SimulatedItem } from './simulated-item.js';

export const FILE_STEMS: { readonly [S in StreamName]: string } = {
  gpEvents: CONTRACT_STREAMS.gpEvents.fileStem,
  ndsReceived: CONTRACT_STREAMS.ndsReceived.fileStem,
  ndsManifests: CONTRACT_STREAMS.ndsManifests.fileStem,
  ndsDisseminations: CONTRACT_STREAMS.ndsDisseminations.fileStem,
};

export interface WrittenFile {
  readonly file: string;
  readonly lines: number;
}

export interface FileOptions {
  readonly outDir: string;
  readonly format: TargetFormat;
  readonly codec: ContainerCodec;
}

interface ItemSink {
  write(item: SimulatedItem): void | Promise<void>;
  close(): Promise<void>;
}

export function fileNameOf(stream: StreamName, format: TargetFormat): string {
  return `${FILE_STEMS[stream]}.${format}`;
}

export async function writeScenarioFiles(run: ScenarioRun, opts: FileOptions): Promise<Record<StreamName, WrittenFile>> {
  const sinks = {} as Record<StreamName, ItemSink>;
  const lines = { gpEvents: 0, ndsReceived: 0, ndsManifests: 0, ndsDisseminations: 0 };
  for (const stream of STREAM_NAMES) {
    const path = join(opts.outDir, fileNameOf(stream, opts.format));
    sinks[stream] = opts.format === 'avro' ? avroSink(stream, path, opts.codec, run) : ndjsonSink(stream, path);
  }
  try {
    for (const item of run.items()) {
      lines[item.stream]++;
      const pending = sinks[item.stream].write(item);
      if (pending !== undefined) await pending;
    }
  } finally {
    await Promise.all(STREAM_NAMES.map((s) => sinks[s].close()));
  }
  const out = {} as Record<StreamName, WrittenFile>;
  for (const stream of STREAM_NAMES) out[stream] = { file: fileNameOf(stream, opts.format), lines: lines[stream] };
  return out;
}

function avroSink(stream: StreamName, path: string, codec: ContainerCodec, run: ScenarioRun): ItemSink {
  const syncMarker = syncMarkerFor(run.params.seed, stream);
  const widen = stream === 'ndsDisseminations' && run.carriesForeignPurpose;
  const writer = widen
    ? openAvroWriterWithSchema(path, withForeignPurpose(), { codec, syncMarker })
    : openRecordWriter(stream, path, 'avro', { codec, syncMarker });
  return {
    write(item) {
      if (item.kind === 'record') return (writer.write as (r: unknown) => void | Promise<void>)(item.record);
      if (item.kind === 'off-contract' && item.flaw === 'UNKNOWN_SYMBOL' && widen) return writer.write(item.fields as never);
      throw new Error(`an Avro file cannot carry a ${item.kind === 'garbled' ? 'garbled line' : item.flaw} (${stream})`);
    },
    close: () => writer.close(),
  };
}

function ndjsonSink(stream: StreamName, path: string): ItemSink {
  const writer = openRawNdjsonWriter(path);
  const encode = ndjsonLineEncoder(stream) as (record: RecordOf[StreamName] | Readonly<Record<string, unknown>>) => string;
  return {
    write(item) {
      if (item.kind === 'garbled') return writer.writeRawLine(item.text);
      // Absent fields stay absent (JSON.stringify drops undefined); a foreign enum symbol is written as it is.
      return writer.writeRawLine(encode(item.kind === 'record' ? item.record : item.fields));
    },
    close: () => writer.close(),
  };
}

/**
 * The contract's dissemination schema with one more Purpose symbol, appended so that every contract symbol keeps
 * its index and contract records encode to the same bytes. A reader resolving it against the contract must treat
 * a record carrying the extra symbol as undecodable (the enum has no default), and only that record.
 */
export function withForeignPurpose(): object {
  const schema = structuredClone(streamSchemaJson('ndsDisseminations')) as unknown as { fields: { name: string; type: unknown }[] };
  const purpose = schema.fields.find((f) => f.name === 'purpose');
  const type = purpose?.type as { symbols?: string[] } | undefined;
  if (!type?.symbols) throw new Error('the dissemination schema has no purpose enum');
  type.symbols = [...type.symbols, FOREIGN_PURPOSE];
  return schema;
}

function syncMarkerFor(seed: number, stream: StreamName): Buffer {
  const random = new SeededRandom(seed, `avro-sync:${stream}`);
  const marker = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) marker.writeUInt32LE(random.nextU32(), i * 4);
  return marker;
}
