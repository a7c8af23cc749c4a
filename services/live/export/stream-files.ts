// The second pass of an export: each stream's spills, partition by partition, into the stream's file (Avro object
// container in the contract's schema, or NDJSON) and the rejected messages into rejected.ndjson, in (stream,
// partition, offset) order. The Avro sync marker is fixed per stream, so the same records give the same bytes.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { openRawNdjsonWriter, openRecordWriter, type RecordFileFormat, type RecordWriter } from '../../codec/record-writer.js';
import { avroTypeFor } from '../../codec/schema-catalog.js';
import { STREAM_NAMES, type RecordOf, type StreamName } from '../../core/records.js';
import { REJECTED_FILE, streamFileName } from './export-target.js';
import { readSpill } from './partition-spill.js';

function syncMarker(stream: StreamName): Buffer {
  return createHash('sha256').update(`optout-verifier export ${stream}`).digest().subarray(0, 16);
}

/** Writes the files into `dir`; returns their names. */
export async function writeStreamFiles(dir: string, format: RecordFileFormat, spills: { readonly [S in StreamName]: readonly string[] }): Promise<string[]> {
  const rejected = openRawNdjsonWriter(join(dir, REJECTED_FILE));
  const names: string[] = [];
  try {
    for (const stream of STREAM_NAMES) {
      const name = streamFileName(stream, format);
      const writer = openRecordWriter(stream, join(dir, name), format, { syncMarker: syncMarker(stream) }) as RecordWriter<RecordOf[StreamName]>;
      const type = avroTypeFor(stream);
      for (const spill of spills[stream]) {
        for await (const frame of readSpill(spill)) {
          const pending = frame.kind === 'record' ? writer.write(type.fromBuffer(frame.bytes) as RecordOf[StreamName]) : rejected.writeRawLine(frame.line);
          if (pending) await pending;
        }
      }
      await writer.close();
      names.push(name);
    }
  } finally {
    await rejected.close();
  }
  names.push(REJECTED_FILE);
  return names;
}
