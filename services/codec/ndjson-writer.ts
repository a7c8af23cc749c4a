// Writes newline-delimited JSON. Lines are gathered into a string and handed to the file in ~64 KiB pieces, so
// a write() per line is cheap and memory stays bounded whatever the number of lines.
import { FileSink } from './file-sink.js';

const FLUSH_CHARS = 64 * 1024;

export class NdjsonWriter {
  readonly #sink: FileSink;
  #pending = '';

  constructor(path: string) {
    this.#sink = new FileSink(path);
  }

  /** Writes `text` as one line; the caller guarantees it holds no newline. Returns a promise only under backpressure. */
  writeLine(text: string): void | Promise<void> {
    this.#pending += text + '\n';
    if (this.#pending.length < FLUSH_CHARS) return undefined;
    const chunk = this.#pending;
    this.#pending = '';
    return this.#sink.write(chunk);
  }

  async close(): Promise<void> {
    if (this.#pending.length > 0) {
      const chunk = this.#pending;
      this.#pending = '';
      await this.#sink.write(chunk);
    }
    await this.#sink.close();
  }
}
