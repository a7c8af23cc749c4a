// One partition's share of an export, kept on disk while the partitions are read in whatever order the consumer
// fetches them, then read back partition by partition: so a stream's file holds its records in (partition,
// offset) order, byte for byte the same whatever the interleaving, and memory stays bounded by one batch.
// A frame is a kind byte (0 a record: its Avro binary in the contract's schema; 1 a rejected message: its
// rejected.ndjson line), the payload's length (4 bytes, big-endian), the payload.
import { createReadStream } from 'node:fs';
import { FileSink } from '../../codec/file-sink.js';

export type SpillFrame = { readonly kind: 'record'; readonly bytes: Buffer } | { readonly kind: 'rejected'; readonly line: string };

const RECORD = 0;
const REJECTED = 1;
const PREFIX = 5;

export class PartitionSpill {
  readonly path: string;
  readonly #sink: FileSink;

  constructor(path: string) {
    this.path = path;
    this.#sink = new FileSink(path);
  }

  /** Returns a promise only when the file asks the caller to wait. */
  writeRecord(bytes: Buffer): void | Promise<void> {
    return this.#sink.write(frame(RECORD, bytes));
  }

  writeRejected(line: string): void | Promise<void> {
    return this.#sink.write(frame(REJECTED, Buffer.from(line, 'utf8')));
  }

  async close(): Promise<void> {
    await this.#sink.close();
  }
}

function frame(kind: number, payload: Buffer): Buffer {
  const prefix = Buffer.allocUnsafe(PREFIX);
  prefix.writeUInt8(kind, 0);
  prefix.writeUInt32BE(payload.length, 1);
  return Buffer.concat([prefix, payload]);
}

/** The frames of a closed spill file, in the order they were written. */
export async function* readSpill(path: string): AsyncGenerator<SpillFrame> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    while (pending.length - at >= PREFIX) {
      const length = pending.readUInt32BE(at + 1);
      if (pending.length - at - PREFIX < length) break;
      const payload = pending.subarray(at + PREFIX, at + PREFIX + length);
      yield pending[at] === RECORD ? { kind: 'record', bytes: payload } : { kind: 'rejected', line: payload.toString('utf8') };
      at += PREFIX + length;
    }
    pending = pending.subarray(at);
  }
  if (pending.length > 0) throw new Error(`${path} ends inside a frame`);
}
