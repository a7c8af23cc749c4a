// Streams newline-delimited JSON as ReadItems, position = 1-based line number. The file is read in large chunks
// and split by hand at newline bytes (a newline byte never occurs inside a UTF-8 sequence), which is faster than
// readline; only the chunk in hand and one partial line are held in memory.
import type { StreamName } from '../core/records.js';
import { itemsOf } from './batched-items.js';
import { ByteSource } from './byte-source.js';
import type { ReadItem } from '../core/read-item.js';
import { fieldSpecsFor, type FieldSpec } from './field-kinds.js';
import { ndjsonRecordParser } from './ndjson-record.js';
import { DEFAULT_READ_LIMITS, type ReadLimits } from './read-limits.js';

const NEWLINE = 0x0a;
const BLANK = /^\s*$/;

/** Opens the file now, so a missing file fails here; lines stream on iteration. */
export async function openNdjson(path: string, stream: StreamName, limits: ReadLimits = DEFAULT_READ_LIMITS): Promise<AsyncIterable<ReadItem>> {
  const source = await ByteSource.open(path, 'input file');
  const specs = fieldSpecsFor(stream);
  return itemsOf(() => lineBatches(source, specs, limits));
}

/** Opens the file now; items stream a chunk's worth at a time (for callers that loop without awaiting each). */
export async function openNdjsonBatches(path: string, stream: StreamName, limits: ReadLimits = DEFAULT_READ_LIMITS): Promise<AsyncIterable<readonly ReadItem[]>> {
  const source = await ByteSource.open(path, 'input file');
  const specs = fieldSpecsFor(stream);
  return { [Symbol.asyncIterator]: () => lineBatches(source, specs, limits) };
}

/** Like openNdjson, but opens the file on the first call to next(), which then throws the open error. */
export function readNdjson(path: string, stream: StreamName, limits: ReadLimits = DEFAULT_READ_LIMITS): AsyncIterable<ReadItem> {
  return readNdjsonAs(path, fieldSpecsFor(stream), limits);
}

export function readNdjsonAs(path: string, specs: readonly FieldSpec[], limits: ReadLimits = DEFAULT_READ_LIMITS): AsyncIterable<ReadItem> {
  return itemsOf(async function* () {
    yield* lineBatches(await ByteSource.open(path, 'input file'), specs, limits);
  });
}

/**
 * One batch of items per chunk read; closes the source when done or abandoned. A line longer than the line limit
 * is never held whole: once the partial line in hand passes the limit, its bytes are dropped up to its newline and
 * it is one error item.
 */
async function* lineBatches(source: ByteSource, specs: readonly FieldSpec[], limits: ReadLimits): AsyncGenerator<readonly ReadItem[]> {
  const parse = ndjsonRecordParser(specs);
  const { maxLineBytes, maxRecordBytes } = limits;
  const tooLong = `the line is longer than ${maxLineBytes} bytes (--max-line-bytes); it was not read`;
  const tooLarge = `the record is larger than ${maxRecordBytes} bytes (--max-record-bytes)`;
  // Any line of more UTF-16 units than this may be over a limit in bytes, and is measured (a unit is 1-3 bytes).
  const measureAbove = Math.floor(Math.min(maxLineBytes, maxRecordBytes) / 3);
  let lineNumber = 0;
  let first = true;
  /** Inside a line over the limit: its bytes are dropped until its newline. */
  let skipping = false;
  const emit = (text: string, items: ReadItem[]): void => {
    lineNumber++;
    let line = text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text; // CRLF files
    if (first) {
      first = false;
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1); // a UTF-8 byte order mark
    }
    if (line.length === 0 || (line.charCodeAt(0) <= 32 && BLANK.test(line))) return;
    if (line.length > measureAbove) {
      const bytes = Buffer.byteLength(line, 'utf8');
      if (bytes > maxLineBytes) return void items.push({ position: lineNumber, error: tooLong });
      if (bytes > maxRecordBytes) return void items.push({ position: lineNumber, error: tooLarge });
    }
    const result = parse(line);
    items.push(typeof result === 'string' ? { position: lineNumber, error: result } : { position: lineNumber, fields: result });
  };
  try {
    while (await source.readMore()) {
      const items: ReadItem[] = [];
      if (skipping) {
        const newline = source.buf.subarray(source.start, source.end).indexOf(NEWLINE);
        if (newline < 0) {
          source.start = source.end;
          continue;
        }
        source.start += newline + 1;
        skipping = false;
      }
      const lastNewline = source.buf.lastIndexOf(NEWLINE, source.end - 1);
      if (lastNewline < source.start) {
        // No complete line yet: read on (the buffer grows as needed), unless the line is already over the limit.
        if (source.available > maxLineBytes) {
          lineNumber++;
          first = false;
          items.push({ position: lineNumber, error: tooLong });
          source.start = source.end;
          skipping = true;
        }
        if (items.length > 0) yield items;
        continue;
      }
      const lines = source.buf.toString('utf8', source.start, lastNewline).split('\n');
      for (const line of lines) emit(line, items);
      source.start = lastNewline + 1;
      yield items;
    }
    if (source.available > 0) {
      const items: ReadItem[] = [];
      emit(source.buf.toString('utf8', source.start, source.end), items);
      source.start = source.end;
      yield items;
    }
  } finally {
    await source.close();
  }
}
