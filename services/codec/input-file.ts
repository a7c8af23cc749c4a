// Opens a replay input by its extension, as the replay command documents: .avro is an Avro object container
// file, .ndjson and .jsonl are newline-delimited JSON.
import { extname } from 'node:path';
import type { StreamName } from '../core/records.js';
import { openAvroContainer, openAvroContainerBatches } from './container-reader.js';
import type { ReadItem } from '../core/read-item.js';
import { openNdjson, openNdjsonBatches } from './ndjson-reader.js';
import { DEFAULT_READ_LIMITS, type ReadLimits } from './read-limits.js';

export type InputFormat = 'avro' | 'ndjson';

export function inputFormatOf(path: string): InputFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.avro') return 'avro';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  throw new Error(`cannot tell the format of input file ${path}: expected a .avro, .ndjson or .jsonl file`);
}

/**
 * Opens an input file and checks it is what its extension says (for Avro, reads the header), rejecting with
 * a one-line message naming the path when it is missing or is not; the records stream on iteration.
 */
export async function openInput(path: string, stream: StreamName, limits: ReadLimits = DEFAULT_READ_LIMITS): Promise<AsyncIterable<ReadItem>> {
  return inputFormatOf(path) === 'avro' ? openAvroContainer(path, stream, limits) : openNdjson(path, stream, limits);
}

/** As openInput, but hands out the records a block (Avro) or a chunk (NDJSON) at a time. */
export async function openInputBatches(path: string, stream: StreamName, limits: ReadLimits = DEFAULT_READ_LIMITS): Promise<AsyncIterable<readonly ReadItem[]>> {
  return inputFormatOf(path) === 'avro' ? openAvroContainerBatches(path, stream, limits) : openNdjsonBatches(path, stream, limits);
}
