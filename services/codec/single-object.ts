// Avro single-object encoding (Avro specification, "Single-object encoding"): C3 01, the writer schema's
// CRC-64-AVRO fingerprint as 8 little-endian bytes, then the Avro binary body. The decoder knows writer schemas
// by fingerprint and resolves each to the reader schema leniently (lenient-resolution.ts); a deployment may
// instead declare one plain-binary writer schema per topic (no header at all).
import avro from 'avsc';
import type { Type } from 'avsc';
import { fingerprintBytes, formatFingerprint, schemaFingerprint } from './crc64-avro.js';
import { describeReadError, undecodable, type DecodeResult } from './decode-result.js';
import { lenientReaderFor, UnresolvableWriterSchema, type LenientReader } from './lenient-resolution.js';
import type { RecordSchemaJson } from './schema-catalog.js';

export const SINGLE_OBJECT_MARKER = Buffer.from([0xc3, 0x01]);
const HEADER_SIZE = 10;

/** Encodes values of one writer schema; the fingerprint is computed once. */
export class SingleObjectEncoder {
  readonly fingerprint: bigint;
  readonly #type: Type;
  readonly #header: Buffer;

  constructor(schema: object | string) {
    const json: unknown = typeof schema === 'string' ? JSON.parse(schema) : schema;
    this.#type = avro.Type.forSchema(json as avro.Schema);
    this.fingerprint = schemaFingerprint(json);
    this.#header = Buffer.concat([SINGLE_OBJECT_MARKER, fingerprintBytes(this.fingerprint)]);
  }

  encode(value: unknown): Buffer {
    return Buffer.concat([this.#header, this.#type.toBuffer(value)]);
  }
}

export interface ValueDecoder {
  decode(bytes: Uint8Array): DecodeResult;
  /**
   * For framings whose writer schemas live elsewhere (a schema registry): the ids among these values not known yet.
   * decode() answers only for known ids, so the caller fetches these first, once per batch.
   */
  writerSchemasToFetch?(values: readonly (Uint8Array | null)[]): readonly number[];
  fetchWriterSchemas?(ids: readonly number[]): Promise<void>;
}

/** One writer schema, its resolution to the reader built on first use and kept (or the reason it cannot be). */
export class WriterEntry {
  readonly #reader: RecordSchemaJson;
  readonly #writer: Type;
  #resolved: LenientReader | string | undefined;

  constructor(reader: RecordSchemaJson, writer: Type) {
    this.#reader = reader;
    this.#writer = writer;
  }

  decodeBody(buf: Buffer, offset: number): DecodeResult {
    this.#resolved ??= resolve(this.#reader, this.#writer);
    if (typeof this.#resolved === 'string') return undecodable(this.#resolved);
    return decodeWith(this.#resolved, buf, offset);
  }
}

function resolve(reader: RecordSchemaJson, writer: Type): LenientReader | string {
  try {
    return lenientReaderFor(reader, writer);
  } catch (err) {
    if (err instanceof UnresolvableWriterSchema) return err.message;
    throw err;
  }
}

/** Decodes one Avro binary body that must fill the buffer from `offset` to its end. */
function decodeWith(reader: LenientReader, buf: Buffer, offset: number): DecodeResult {
  let decoded: { value: unknown; offset: number };
  try {
    decoded = reader.type.decode(buf, offset, reader.resolver);
  } catch (err) {
    return undecodable(describeReadError(err));
  }
  if (decoded.offset < 0) return undecodable('truncated body');
  if (decoded.offset !== buf.length) return undecodable('trailing bytes after the body');
  const fields = decoded.value as Record<string, unknown>;
  const field = reader.unknownSymbolField(fields);
  if (field !== undefined) return undecodable(`enum symbol not known to the reader in field ${field}`);
  return { ok: true, fields };
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Single-object values: any registered writer schema, found by fingerprint. */
export class SingleObjectDecoder implements ValueDecoder {
  readonly #reader: RecordSchemaJson;
  readonly #writers = new Map<bigint, WriterEntry>();

  /** The reader schema is always registered as a writer too: our own producers write with it. */
  constructor(reader: RecordSchemaJson, writerSchemas: Iterable<object | string> = []) {
    this.#reader = reader;
    this.register(reader);
    for (const schema of writerSchemas) this.register(schema);
  }

  /** Registers a writer schema (JSON value or text) and returns its fingerprint. */
  register(schema: object | string): bigint {
    const json: unknown = typeof schema === 'string' ? JSON.parse(schema) : schema;
    const fingerprint = schemaFingerprint(json);
    if (!this.#writers.has(fingerprint)) {
      this.#writers.set(fingerprint, new WriterEntry(this.#reader, avro.Type.forSchema(json as avro.Schema)));
    }
    return fingerprint;
  }

  decode(bytes: Uint8Array): DecodeResult {
    const buf = asBuffer(bytes);
    if (buf.length < HEADER_SIZE) return undecodable('shorter than the single-object header');
    if (buf[0] !== 0xc3 || buf[1] !== 0x01) return undecodable('no single-object marker C3 01');
    const fingerprint = buf.readBigUInt64LE(2);
    const writer = this.#writers.get(fingerprint);
    if (writer === undefined) return undecodable(`unknown schema fingerprint ${formatFingerprint(fingerprint)}`);
    return writer.decodeBody(buf, HEADER_SIZE);
  }
}

/** Plain Avro binary values, all written with the one writer schema the deployment declares for the topic. */
export class PlainBinaryDecoder implements ValueDecoder {
  readonly #writer: WriterEntry;

  constructor(reader: RecordSchemaJson, writerSchema: object | string) {
    const json: unknown = typeof writerSchema === 'string' ? JSON.parse(writerSchema) : writerSchema;
    this.#writer = new WriterEntry(reader, avro.Type.forSchema(json as avro.Schema));
  }

  decode(bytes: Uint8Array): DecodeResult {
    const buf = asBuffer(bytes);
    if (buf.length === 0) return undecodable('empty value');
    return this.#writer.decodeBody(buf, 0);
  }
}
