// Streams an Avro object container file (null or deflate codec) as ReadItems: each record resolved from the
// file's own writer schema to our reader schema (leniently: lenient-resolution.ts). A block at a time is held
// in memory, never the file, so a 10-million-record file streams in bounded memory.
//
// What goes wrong where:
// - no such file, not a container (magic, header), unusable writer schema or codec: the iterator throws an Error
//   with a one-line message, before any item;
// - a writer schema that does not resolve to ours: every record is read with the writer schema alone, to count
//   it, and becomes an error item, so none is dropped silently;
// - one record with an enum symbol the reader does not know: an error item for that record; reading goes on;
// - a corrupt block (framing, sync marker, deflate, or a record that cannot be read, after which its block
//   cannot be followed): one error item at the first record not read, and the file ends there;
// - a block larger than the block limit, as stored or once inflated: it is skipped without being held (the
//   inflation stops at the limit) and is one error item at its first record; the file goes on at the next block;
// - a record larger than the record limit: an error item for that record; reading goes on;
// - an empty (zero-byte) file: no items, like a container with a header and no blocks.
//
// Each block's items go to a sink (block-sink.ts), one batch per block: plainly the items, or something more
// compact made of them; a sink may take some records straight from the block's bytes, the rest being decoded.
import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import avro from 'avsc';
import type { Type } from 'avsc';
import type { StreamName } from '../core/records.js';
import { itemsOf } from './batched-items.js';
import { ITEM_BATCHES, type BlockSink, type BlockSinks } from './block-sink.js';
import { ByteSource } from './byte-source.js';
import { HEADER_TYPE, MAGIC, SYNC_SIZE, readVarLong } from './container-format.js';
import type { ReadItem } from '../core/read-item.js';
import { describeReadError } from './decode-result.js';
import { lenientReaderFor, UnresolvableWriterSchema, type LenientReader } from './lenient-resolution.js';
import { DEFAULT_READ_LIMITS, LIMIT_CEILING_BYTES, type ReadLimits } from './read-limits.js';
import { streamSchemaJson, type RecordSchemaJson } from './schema-catalog.js';

const MAX_HEADER_BYTES = 16 << 20;
// A block prefix is two varint longs of at most ten bytes each.
const MAX_PREFIX_BYTES = 20;
// The most records a block's batch has room for before its first record is read.
const FIRST_BATCH_ROOM = 1 << 16;
// Larger than any limit may be set to; a larger size field means the prefix is garbage.
const MAX_BLOCK_BYTES = LIMIT_CEILING_BYTES;

/** Opens the file and reads its header now, so a missing or foreign file fails here; records stream on iteration. */
export async function openAvroContainer(path: string, stream: StreamName, limits: ReadLimits = DEFAULT_READ_LIMITS): Promise<AsyncIterable<ReadItem>> {
  const file = await openContainerFile(path, streamSchemaJson(stream), limits);
  return itemsOf(() => file.batches());
}

/** Opens the file and reads its header now; items stream a block at a time. */
export async function openAvroContainerBatches(path: string, stream: StreamName, limits: ReadLimits = DEFAULT_READ_LIMITS): Promise<AsyncIterable<readonly ReadItem[]>> {
  return openAvroContainerBatchesInto(path, stream, limits, ITEM_BATCHES);
}

/** As openAvroContainerBatches, each block's items made into a batch by a sink of `sinks`. */
export async function openAvroContainerBatchesInto<T>(path: string, stream: StreamName, limits: ReadLimits, sinks: BlockSinks<T>): Promise<AsyncIterable<T>> {
  const file = await openContainerFile(path, streamSchemaJson(stream), limits);
  return { [Symbol.asyncIterator]: () => file.batchesInto(sinks) };
}

/** Like openAvroContainer, but opens the file on the first call to next(), which then throws the open errors. */
export function readAvroContainer(path: string, stream: StreamName, limits: ReadLimits = DEFAULT_READ_LIMITS): AsyncIterable<ReadItem> {
  return readAvroContainerAs(path, streamSchemaJson(stream), limits);
}

export function readAvroContainerAs(path: string, reader: RecordSchemaJson, limits: ReadLimits = DEFAULT_READ_LIMITS): AsyncIterable<ReadItem> {
  return itemsOf(async function* () {
    yield* (await openContainerFile(path, reader, limits)).batches();
  });
}

interface Header {
  readonly writer: Type;
  /** The writer schema as the header gives it (parsed JSON). */
  readonly schema: unknown;
  readonly codec: 'null' | 'deflate';
  readonly sync: Buffer;
}

export interface ContainerFile {
  /** The writer schema from the file's header. */
  readonly writer: Type;
  /** One batch of items per block; the file is closed when this ends or is abandoned. Iterate it once. */
  batches(): AsyncGenerator<readonly ReadItem[]>;
  /** As batches(), each block's items made into a batch by a sink of `sinks`. */
  batchesInto<T>(sinks: BlockSinks<T>): AsyncGenerator<T>;
}

export async function openContainerFile(path: string, reader: RecordSchemaJson, limits: ReadLimits = DEFAULT_READ_LIMITS): Promise<ContainerFile> {
  const source = await ByteSource.open(path, 'input file');
  let header: Header | null;
  try {
    header = await readHeader(source, path);
  } catch (err) {
    await source.close();
    throw err;
  }
  if (header === null) {
    await source.close();
    return { writer: avro.Type.forSchema(reader as unknown as avro.Schema), batches: async function* () {}, batchesInto: async function* () {} };
  }
  const read = header;
  const batchesInto = <T>(sinks: BlockSinks<T>) => blockBatches(source, read, () => decodingFor(read, reader), limits, sinks);
  return { writer: read.writer, batches: () => batchesInto(ITEM_BATCHES), batchesInto };
}

/** How a file's records are read: resolved to the reader schema, or, if its writer schema cannot be, counted. */
type Decoding = { readonly lenient: LenientReader; readonly writer: unknown } | { readonly unresolvable: string };

function decodingFor(header: Header, reader: RecordSchemaJson): Decoding {
  try {
    return { lenient: lenientReaderFor(reader, header.writer), writer: header.schema };
  } catch (err) {
    if (!(err instanceof UnresolvableWriterSchema)) throw err;
    return { unresolvable: `the file's writer schema cannot be resolved to ${reader.name}: ${err.message}` };
  }
}

/**
 * The blocks from where `source` stands to its end, as one batch per block made by a sink of `sinks`; `ordinal`
 * records come before them.
 */
async function* blockBatches<T>(source: ByteSource, header: Header, decodingOf: () => Decoding, limits: ReadLimits, sinks: BlockSinks<T>, ordinal = 0, ended = { corrupt: false }): AsyncGenerator<T> {
  const one = (item: ReadItem): T => {
    const sink = sinks(1, null);
    sink.push(item);
    return sink.batch();
  };
  try {
    const decoding = decodingOf();
    for (;;) {
      await source.ensure(MAX_PREFIX_BYTES);
      if (source.available === 0) return;
      const block = await nextBlock(source, header, limits.maxBlockBytes);
      if (typeof block === 'string') {
        ended.corrupt = true;
        yield one({ position: ordinal + 1, error: `corrupt block: ${block}; the rest of the file was not read` });
        return;
      }
      if ('over' in block) {
        yield one({ position: ordinal + 1, error: `a block of ${block.count} records is larger than ${limits.maxBlockBytes} bytes ${block.over} (--max-block-bytes); its records were not read` });
        ordinal += block.count;
        continue;
      }
      // The count only sizes the batch to begin with (it grows as records are read): bounded by the bytes and by
      // FIRST_BATCH_ROOM, so that neither a garbage count nor a large block reserves memory its records do not fill.
      const sink = sinks(Math.min(block.count, block.data.length, FIRST_BATCH_ROOM), 'lenient' in decoding ? decoding.writer : null);
      const { read, stopped } = 'lenient' in decoding
        ? decodeBlock(decoding.lenient, block, ordinal, sink, limits.maxRecordBytes)
        : countUnresolvable(header.writer, block, ordinal, sink, decoding.unresolvable);
      ordinal += read;
      if (stopped !== undefined) {
        ended.corrupt = true;
        sink.push({ position: ordinal + 1, error: `corrupt block: ${stopped}; the rest of the file was not read` });
        yield sink.batch();
        return;
      }
      yield sink.batch();
    }
  } finally {
    await source.close();
  }
}

/**
 * A run of whole blocks, read on its own: from byte `from` to byte `to` (Infinity: the file's end), the blocks
 * before it holding `ordinal` records. Read in turn, a file's segments give the items the whole file gives.
 */
export interface ContainerSegment {
  readonly from: number;
  readonly to: number;
  readonly ordinal: number;
}

/**
 * Cuts a container file into segments of about `bytes` each, at block boundaries. The boundaries are found by
 * following the block prefixes from the header, each block's sync marker checked, never by searching for the
 * marker (bytes like it may lie inside a block's data). Only boundaries the file's own reading would reach are
 * cuts: from the first block that is not whole (a corrupt or truncated file), everything is the last segment,
 * whose reading then ends as the whole file's does. An empty file, or one that is not a container, is one
 * segment (opening it gives the error). Every segment but the last ends where the next starts.
 */
export async function splitContainer(path: string, bytes: number): Promise<readonly ContainerSegment[]> {
  const whole: ContainerSegment[] = [{ from: 0, to: Infinity, ordinal: 0 }];
  const source = await ByteSource.open(path, 'input file');
  let header: Header | null;
  try {
    header = await readHeader(source, path);
  } catch {
    return whole;
  } finally {
    await source.close();
  }
  if (header === null) return whole;
  const segments: ContainerSegment[] = [];
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    // A block's sync marker and the next block's prefix, read together; read synchronously, for this runs on a
    // thread of its own before anything else there (a read through the thread pool per block cost more than the
    // reading itself: tens of thousands of them on a large file).
    const window = Buffer.alloc(SYNC_SIZE + MAX_PREFIX_BYTES);
    const sync = window.subarray(0, SYNC_SIZE);
    let from = source.start;
    let fromOrdinal = 0;
    let offset = from;
    let ordinal = 0;
    let prefixBytes = offset < size ? readSync(file.fd, window, SYNC_SIZE, MAX_PREFIX_BYTES, offset) : 0;
    while (offset < size) {
      if (offset - from >= bytes) {
        segments.push({ from, to: offset, ordinal: fromOrdinal });
        from = offset;
        fromOrdinal = ordinal;
      }
      const block = blockPrefix(window.subarray(SYNC_SIZE, SYNC_SIZE + prefixBytes));
      if (block === undefined) break;
      const syncAt = offset + block.prefixBytes + block.size;
      if (syncAt + SYNC_SIZE > size) break;
      prefixBytes = readSync(file.fd, window, 0, window.length, syncAt) - SYNC_SIZE;
      if (prefixBytes < 0 || !sync.equals(header.sync)) break;
      ordinal += block.count;
      offset = syncAt + SYNC_SIZE;
    }
    segments.push({ from, to: Infinity, ordinal: fromOrdinal });
  } finally {
    await file.close();
  }
  return segments;
}

/** A well-formed block prefix (as nextBlock reads it), or undefined. */
function blockPrefix(bytes: Buffer): { count: number; size: number; prefixBytes: number } | undefined {
  try {
    const count = readVarLong(bytes, 0);
    const size = count && readVarLong(bytes, count.next);
    if (count === undefined || size === undefined) return undefined;
    if (count.value < 0 || size.value < 0 || size.value > MAX_BLOCK_BYTES) return undefined;
    return { count: count.value, size: size.value, prefixBytes: size.next };
  } catch {
    return undefined;
  }
}

/** A segment's reading: its items, a block at a time, and (once read) whether the file's reading ends in it. */
export interface SegmentReading<T = readonly ReadItem[]> {
  readonly items: AsyncIterable<T>;
  /** True once a corrupt block was met: nothing after it is read, in this segment or any later one. */
  readonly stopped: () => boolean;
}

/**
 * Reads the file's header now (failing as openAvroContainer does); then each segment of it (splitContainer) is
 * read on its own, a block at a time, with positions as the whole file's reading gives them.
 */
export async function openContainerSegments(path: string, stream: StreamName, limits: ReadLimits = DEFAULT_READ_LIMITS): Promise<(segment: ContainerSegment) => SegmentReading> {
  return openContainerSegmentsInto(path, stream, limits, ITEM_BATCHES);
}

/** As openContainerSegments, each block's items made into a batch by a sink of `sinks`. */
export async function openContainerSegmentsInto<T>(path: string, stream: StreamName, limits: ReadLimits, sinks: BlockSinks<T>): Promise<(segment: ContainerSegment) => SegmentReading<T>> {
  const source = await ByteSource.open(path, 'input file');
  let header: Header | null;
  try {
    header = await readHeader(source, path);
  } finally {
    await source.close();
  }
  if (header === null) return () => ({ items: { [Symbol.asyncIterator]: async function* () {} }, stopped: () => false });
  const read = header;
  const decoding = decodingFor(read, streamSchemaJson(stream));
  // One buffer for the segments read in turn (the items of a segment hold none of its bytes).
  let buffer: Buffer | undefined;
  return (segment) => {
    const ended = { corrupt: false };
    return {
      items: {
        [Symbol.asyncIterator]: async function* () {
          // Taken while this segment is read, so that segments read at once never share it.
          const spare = buffer;
          buffer = undefined;
          const from = await ByteSource.open(path, 'input file', segment.from, segment.to, spare);
          if (segment.from === 0) {
            try {
              await readHeader(from, path);
            } catch (err) {
              await from.close();
              throw err;
            }
          }
          try {
            yield* blockBatches(from, read, () => decoding, limits, sinks, segment.ordinal, ended);
          } finally {
            buffer = from.buf;
          }
        },
      },
      stopped: () => ended.corrupt,
    };
  };
}

/** The header, or null for an empty (zero-byte) file. */
async function readHeader(source: ByteSource, path: string): Promise<Header | null> {
  const notContainer = (why: string) => new Error(`not an Avro object container file (${why}): ${path}`);
  if (!(await source.readMore())) return null;
  if (!(await source.ensure(MAGIC.length)) || source.buf.compare(MAGIC, 0, MAGIC.length, source.start, source.start + MAGIC.length) !== 0) {
    throw notContainer('no Obj1 magic');
  }
  let want = 4096;
  for (;;) {
    await source.ensure(want);
    let decoded: { value: unknown; offset: number };
    try {
      decoded = HEADER_TYPE.decode(source.buf.subarray(0, source.end), source.start);
    } catch {
      throw notContainer('malformed header');
    }
    if (decoded.offset >= 0) {
      source.start = decoded.offset;
      return interpretHeader(decoded.value as { meta: Record<string, Buffer>; sync: Buffer }, notContainer);
    }
    if (source.available < want || want >= MAX_HEADER_BYTES) throw notContainer('truncated header');
    want *= 2;
  }
}

function interpretHeader(value: { meta: Record<string, Buffer>; sync: Buffer }, notContainer: (why: string) => Error): Header {
  const schemaBytes = value.meta['avro.schema'];
  if (schemaBytes === undefined) throw notContainer('no avro.schema in the header');
  let schema: unknown;
  let writer: Type;
  try {
    schema = JSON.parse(schemaBytes.toString('utf8'));
    writer = avro.Type.forSchema(schema as avro.Schema);
  } catch {
    throw notContainer('its writer schema is not a valid Avro schema');
  }
  const codec = value.meta['avro.codec']?.toString('utf8') ?? 'null';
  if (codec !== 'null' && codec !== 'deflate') throw notContainer(`codec ${JSON.stringify(codec)} is not supported; null and deflate are`);
  return { writer, schema, codec, sync: Buffer.from(value.sync) };
}

interface Block {
  readonly count: number;
  readonly data: Buffer;
}

/** A block skipped for its size: how many records it said it held, and whether it was too large stored or inflated. */
interface OverLimit {
  readonly count: number;
  readonly over: 'as stored' | 'once inflated';
}

/** The next block's records (inflated), one over the limit (skipped), or why the block cannot be read. */
async function nextBlock(source: ByteSource, header: Header, limit: number): Promise<Block | OverLimit | string> {
  let count: { value: number; next: number } | undefined;
  let size: { value: number; next: number } | undefined;
  try {
    count = readVarLong(source.buf.subarray(0, source.end), source.start);
    size = count && readVarLong(source.buf.subarray(0, source.end), count.next);
  } catch {
    return 'malformed block prefix';
  }
  if (count === undefined || size === undefined) return 'the file ends inside a block prefix';
  if (count.value < 0 || size.value < 0 || size.value > MAX_BLOCK_BYTES) return 'impossible record count or byte size in the block prefix';
  const prefixBytes = size.next - source.start;
  if (size.value > limit) {
    source.start = size.next;
    if (!(await source.skip(size.value)) || !(await source.ensure(SYNC_SIZE))) return 'the file ends inside a block';
    if (source.buf.compare(header.sync, 0, SYNC_SIZE, source.start, source.start + SYNC_SIZE) !== 0) return 'sync marker mismatch';
    source.start += SYNC_SIZE;
    return { count: count.value, over: 'as stored' };
  }
  if (!(await source.ensure(prefixBytes + size.value + SYNC_SIZE))) return 'the file ends inside a block';
  const dataStart = source.start + prefixBytes;
  const dataEnd = dataStart + size.value;
  if (source.buf.compare(header.sync, 0, SYNC_SIZE, dataEnd, dataEnd + SYNC_SIZE) !== 0) return 'sync marker mismatch';
  source.start = dataEnd + SYNC_SIZE;
  const raw = source.buf.subarray(dataStart, dataEnd);
  if (header.codec === 'null') return { count: count.value, data: raw };
  try {
    // Inflation stops at the limit, so a small block that would inflate to gigabytes is never held.
    return { count: count.value, data: inflateRawSync(raw, { maxOutputLength: limit }) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return { count: count.value, over: 'once inflated' };
    return 'the block does not inflate (deflate codec)';
  }
}

/** What reading a block's records came to: how many were read, and why the reading stopped early, if it did. */
interface BlockRead {
  readonly read: number;
  readonly stopped?: string;
}

/** Reads a block's records into `sink`: each one it does not take from the bytes, decoded. */
function decodeBlock<T>(lenient: LenientReader, block: Block, ordinal: number, sink: BlockSink<T>, maxRecordBytes: number): BlockRead {
  const { type, resolver } = lenient;
  const readDirect = sink.readDirect;
  let pos = 0;
  for (let i = 0; i < block.count; i++) {
    if (readDirect !== undefined) {
      const next = readDirect(block.data, pos, ordinal + i + 1, maxRecordBytes);
      if (next >= 0) {
        pos = next;
        continue;
      }
    }
    let decoded: { value: unknown; offset: number };
    try {
      decoded = type.decode(block.data, pos, resolver);
    } catch (err) {
      return { read: i, stopped: `record ${ordinal + i + 1} cannot be read (${describeReadError(err)})` };
    }
    if (decoded.offset < 0) return { read: i, stopped: `record ${ordinal + i + 1} runs past the end of its block` };
    if (decoded.offset - pos > maxRecordBytes) {
      sink.push({ position: ordinal + i + 1, error: `the record is larger than ${maxRecordBytes} bytes (--max-record-bytes)` });
      pos = decoded.offset;
      continue;
    }
    pos = decoded.offset;
    const fields = decoded.value as Record<string, unknown>;
    const field = lenient.unknownSymbolField(fields);
    sink.push(field === undefined ? { position: ordinal + i + 1, fields } : { position: ordinal + i + 1, error: `enum symbol not known to the reader in field ${field}` });
  }
  return { read: block.count };
}

function countUnresolvable<T>(writer: Type, block: Block, ordinal: number, sink: BlockSink<T>, why: string): BlockRead {
  let pos = 0;
  for (let i = 0; i < block.count; i++) {
    let decoded: { value: unknown; offset: number };
    try {
      decoded = writer.decode(block.data, pos);
    } catch (err) {
      return { read: i, stopped: `record ${ordinal + i + 1} cannot be read (${describeReadError(err)})` };
    }
    if (decoded.offset < 0) return { read: i, stopped: `record ${ordinal + i + 1} runs past the end of its block` };
    pos = decoded.offset;
    sink.push({ position: ordinal + i + 1, error: why });
  }
  return { read: block.count };
}
