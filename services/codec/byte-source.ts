// Sequential reads from a file into one reusable buffer that grows only when a single unit (a container block)
// is larger than it, so memory stays bounded however large the file is.
import { open, type FileHandle } from 'node:fs/promises';

const INITIAL_SIZE = 1 << 20;

export class ByteSource {
  buf: Buffer;
  /** First unread byte in `buf`. */
  start = 0;
  /** End of the valid bytes in `buf`. */
  end = 0;
  #eof = false;
  readonly #file: FileHandle;
  /** The file offset of the byte after `end`. */
  #position: number;
  /** Reading stops here, as if the file ended. */
  readonly #limit: number;
  readonly #start: number;

  private constructor(file: FileHandle, from: number, to: number, buffer: Buffer | undefined) {
    this.buf = buffer ?? Buffer.allocUnsafe(INITIAL_SIZE);
    this.#file = file;
    this.#position = from;
    this.#start = from;
    this.#limit = to;
  }

  /**
   * Opens a file, turning the usual failures into one-line messages that name the path; reads start at byte
   * `from` and end at byte `to` as if the file ended there (a segment of a file read on its own). `buffer`, if
   * given, is used rather than a new one: segments read one after another need not each leave a megabyte to the
   * garbage collector, which counts such memory late.
   */
  static async open(path: string, what: string, from = 0, to = Infinity, buffer?: Buffer): Promise<ByteSource> {
    try {
      return new ByteSource(await open(path, 'r'), from, to, buffer);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new Error(`${what} not found: ${path}`);
      throw new Error(`cannot open ${what} ${path}: ${code ?? (err as Error).message}`);
    }
  }

  get available(): number {
    return this.end - this.start;
  }

  /** Makes at least `min` unread bytes available; false when the file ends first. */
  async ensure(min: number): Promise<boolean> {
    if (this.end - this.start >= min) return true;
    if (this.start > 0) {
      this.buf.copy(this.buf, 0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    if (min > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(min, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    }
    while (this.end < min && !this.#eof) {
      const length = Math.min(this.buf.length - this.end, this.#limit - this.#position);
      // A whole file is read from wherever the handle is (a pipe has no offsets); a segment, at its offsets.
      const at = this.#limit === Infinity && this.#start === 0 ? null : this.#position;
      const { bytesRead } = length === 0 ? { bytesRead: 0 } : await this.#file.read(this.buf, this.end, length, at);
      if (bytesRead === 0) this.#eof = true;
      this.end += bytesRead;
      this.#position += bytesRead;
    }
    return this.end >= min;
  }

  /** Reads whatever comes next (up to the buffer's free space); false at the end of the file. */
  async readMore(): Promise<boolean> {
    const before = this.available;
    await this.ensure(before + 1);
    return this.available > before;
  }

  /** Consumes the next `count` bytes without holding them (reads through the buffer); false when the file ends first. */
  async skip(count: number): Promise<boolean> {
    let left = count;
    for (;;) {
      const here = Math.min(left, this.available);
      this.start += here;
      left -= here;
      if (left === 0) return true;
      this.start = 0;
      this.end = 0;
      if (!(await this.readMore())) return false;
    }
  }

  async close(): Promise<void> {
    await this.#file.close();
  }
}
