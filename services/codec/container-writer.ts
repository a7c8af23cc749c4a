// Writes an Avro object container file. Records are encoded straight into a block buffer and each full block
// goes to the file in one write, so a write() per record is cheap and memory stays bounded by one block plus
// the file stream's own buffer, whatever the number of records (a 10-million-record file is routine).
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import type { Type } from 'avsc';
import { encodeBlockPrefix, encodeHeader, type ContainerCodec } from './container-format.js';
import { FileSink } from './file-sink.js';

export interface ContainerWriterOptions {
  readonly codec?: ContainerCodec;
  /** Fixed sync marker (16 bytes), e.g. to make sample files reproducible; random otherwise, as avsc does. */
  readonly syncMarker?: Buffer;
  /** Uncompressed bytes after which a block is closed. */
  readonly blockBytes?: number;
}

const DEFAULT_BLOCK_BYTES = 64 * 1024;

export class ContainerWriter {
  readonly #type: Type;
  readonly #codec: ContainerCodec;
  readonly #sync: Buffer;
  readonly #blockBytes: number;
  readonly #sink: FileSink;
  #buf: Buffer;
  #pos = 0;
  #count = 0;

  /** `schemaText` is what goes into the header as the writer schema; `type` must be parsed from it. */
  constructor(path: string, type: Type, schemaText: string, opts: ContainerWriterOptions = {}) {
    this.#type = type;
    this.#codec = opts.codec ?? 'null';
    this.#sync = opts.syncMarker ?? randomBytes(16);
    if (this.#sync.length !== 16) throw new Error('an Avro sync marker is 16 bytes');
    this.#blockBytes = opts.blockBytes ?? DEFAULT_BLOCK_BYTES;
    this.#buf = Buffer.allocUnsafe(this.#blockBytes * 2);
    this.#sink = new FileSink(path);
    this.#sink.writeDetached(encodeHeader({ schemaText, codec: this.#codec, sync: this.#sync }));
  }

  /** Returns a promise only when the file stream asks the caller to wait (backpressure). */
  write(value: unknown): void | Promise<void> {
    for (;;) {
      const next = this.#type.encode(value, this.#buf, this.#pos);
      if (next >= 0) {
        this.#pos = next;
        break;
      }
      // avsc returns minus the missing byte count when the buffer is too small.
      this.#buf = growBuffer(this.#buf, this.#pos, this.#buf.length - next);
    }
    this.#count++;
    return this.#pos >= this.#blockBytes ? this.#flushBlock() : undefined;
  }

  async close(): Promise<void> {
    await this.#flushBlock();
    await this.#sink.close();
  }

  #flushBlock(): void | Promise<void> {
    if (this.#count === 0) return undefined;
    const raw = this.#buf.subarray(0, this.#pos);
    // Copy: the block buffer is reused at once while the file stream may still hold the chunk.
    const data = this.#codec === 'deflate' ? deflateRawSync(raw) : Buffer.from(raw);
    const chunk = Buffer.concat([encodeBlockPrefix(this.#count, data.length), data, this.#sync]);
    this.#pos = 0;
    this.#count = 0;
    return this.#sink.write(chunk);
  }
}

function growBuffer(buf: Buffer, used: number, atLeast: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(atLeast, buf.length * 2));
  buf.copy(bigger, 0, 0, used);
  return bigger;
}
