// Writes contract records to a file as an Avro object container (the contract's own schema as writer schema)
// or as NDJSON (timestamps as ISO-8601 with milliseconds and Z), for the simulator, the demo and tests.
//
// write() returns a promise only when the file asks the caller to wait, so the usual loop is
//   const p = writer.write(record); if (p) await p;
// which costs nothing per record while the file keeps up, and bounds memory when it does not.
import type { Type } from 'avsc';
import avro from 'avsc';
import type { RecordOf, StreamName } from '../core/records.js';
import type { ContainerCodec } from './container-format.js';
import { ContainerWriter } from './container-writer.js';
import { ndjsonLineEncoder } from './ndjson-line-encoder.js';
import { NdjsonWriter } from './ndjson-writer.js';
import { avroTypeFor, streamSchemaJson } from './schema-catalog.js';

export { ndjsonLineEncoder };

export type RecordFileFormat = 'avro' | 'ndjson';

export interface RecordWriter<R> {
  write(record: R): void | Promise<void>;
  close(): Promise<void>;
}

export interface RecordWriterOptions {
  /** Avro only; NDJSON ignores it. */
  readonly codec?: ContainerCodec;
  /** Avro only: a fixed 16-byte sync marker, so that the same records give the same bytes. */
  readonly syncMarker?: Buffer;
}

export function openRecordWriter<S extends StreamName>(
  stream: S,
  path: string,
  format: RecordFileFormat,
  opts: RecordWriterOptions = {},
): RecordWriter<RecordOf[S]> {
  if (format === 'avro') {
    return containerRecordWriter(path, avroTypeFor(stream), JSON.stringify(streamSchemaJson(stream)), opts);
  }
  if (format === 'ndjson') {
    const writer = new NdjsonWriter(path);
    const toLine = ndjsonLineEncoder(stream);
    return {
      write: (record) => writer.writeLine(toLine(record)),
      close: () => writer.close(),
    };
  }
  throw new Error(`unknown record file format ${JSON.stringify(format)} (expected avro or ndjson)`);
}

export interface RawNdjsonWriter {
  /** Writes `text` verbatim as one line (for deliberately malformed test input). */
  writeRawLine(text: string): void | Promise<void>;
  close(): Promise<void>;
}

export function openRawNdjsonWriter(path: string): RawNdjsonWriter {
  const writer = new NdjsonWriter(path);
  return {
    writeRawLine: (text) => {
      if (text.includes('\n')) throw new Error('a raw NDJSON line must not contain a newline');
      return writer.writeLine(text);
    },
    close: () => writer.close(),
  };
}

/**
 * An Avro container writer with a writer schema of the caller's choosing (a producer's own copy of the contract,
 * an older version, a schema with foreign enum symbols), for files that exercise schema resolution. The schema
 * goes into the file header as given (JSON text, or an object serialised compactly).
 */
export function openAvroWriterWithSchema(path: string, writerSchema: object | string, opts: RecordWriterOptions = {}): RecordWriter<unknown> {
  const text = typeof writerSchema === 'string' ? writerSchema : JSON.stringify(writerSchema);
  const type = avro.Type.forSchema(JSON.parse(text) as avro.Schema);
  return containerRecordWriter(path, type, text, opts);
}

function containerRecordWriter<R>(path: string, type: Type, schemaText: string, opts: RecordWriterOptions): RecordWriter<R> {
  const writer = new ContainerWriter(path, type, schemaText, { codec: opts.codec ?? 'null', ...(opts.syncMarker ? { syncMarker: opts.syncMarker } : {}) });
  return { write: (record) => writer.write(record), close: () => writer.close() };
}
