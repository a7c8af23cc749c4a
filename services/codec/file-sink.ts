// An append-only output file with backpressure: write() hands back a promise only when the stream's buffer is
// full, and a stream error is kept and raised at the next write or at close, so no failure passes unnoticed.
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

export class FileSink {
  readonly #stream: WriteStream;
  #error: Error | undefined;

  constructor(path: string) {
    // A large buffer: the writers hand over whole blocks or batches of lines, not single records.
    this.#stream = createWriteStream(path, { highWaterMark: 1 << 20 });
    this.#stream.on('error', (err) => {
      this.#error ??= err;
    });
  }

  write(chunk: Buffer | string): void | Promise<void> {
    if (this.#error !== undefined) throw this.#error;
    if (this.#stream.write(chunk)) return undefined;
    return this.#drain();
  }

  async close(): Promise<void> {
    if (this.#error !== undefined) throw this.#error;
    this.#stream.end();
    await once(this.#stream, 'close');
    if (this.#error !== undefined) throw this.#error;
  }

  async #drain(): Promise<void> {
    // once() rejects if 'error' fires first, which is what the caller should see.
    await once(this.#stream, 'drain');
  }

  /** For a write whose completion nobody awaits (a file header): the error is kept and raised later instead. */
  writeDetached(chunk: Buffer | string): void {
    const pending = this.write(chunk);
    if (pending !== undefined) pending.catch(() => undefined);
  }
}
