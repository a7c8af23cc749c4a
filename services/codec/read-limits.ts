// How much of a replay input one unit may take: the bounds that keep a hostile or broken file from taking the
// reader's memory (a small deflate block that inflates to gigabytes, a line with no end). A unit over a bound is
// not held: it becomes one dead letter (UNDECODABLE, the detail naming the bound) and reading goes on after it.

export interface ReadLimits {
  /** The largest Avro block, as stored and once inflated. */
  readonly maxBlockBytes: number;
  /** The longest NDJSON line, in bytes. */
  readonly maxLineBytes: number;
  /** The largest record: an Avro record's binary encoding, an NDJSON line. */
  readonly maxRecordBytes: number;
}

const MIB = 1 << 20;

// Writers close blocks at tens or hundreds of kilobytes (ours and avsc's at 64 KiB, Java's near 64 KiB); a valid
// record is under a kilobyte (every text field is at most 128 bytes). The defaults leave a wide margin above both.
export const DEFAULT_READ_LIMITS: ReadLimits = Object.freeze({ maxBlockBytes: 64 * MIB, maxLineBytes: 1 * MIB, maxRecordBytes: 64 * 1024 });

/** The largest value a limit may be set to: a block size field beyond it is taken as garbage. */
export const LIMIT_CEILING_BYTES = 1 << 30;
