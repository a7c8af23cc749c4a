import { valueAt, type Column } from './packed-strings.js';
import { buildRecord } from './record-validation.js';
import { STREAM_FIELDS, type RecordOf, type StreamName } from './records.js';

// Fields with few distinct values (practices, suppliers, codes, recipients, purposes): each value is held once,
// not once per record as it arrives from the reader.
const SHARED_FIELDS: ReadonlySet<string> = new Set(['practiceOds', 'supplier', 'code', 'recipient', 'purpose']);

// Records added one at a time are held in chunks of up to this many; a batch of columns is a chunk of its own.
const CHUNK = 1 << 12;

interface Chunk {
  /** One column per field of STREAM_FIELDS, in contract order (built here: arrays). */
  readonly columns: Column[];
  /** The position of its first record. */
  readonly start: number;
  /** Records not yet taken. */
  left: number;
}

/**
 * The accepted records of one input, held as columns (one array per field of STREAM_FIELDS, event times in a
 * Float64Array, code meanings as small numbers) until a replay takes them in event-time order: hundreds of
 * thousands of records held as objects, each with its field names, cost several times as much. A batch of columns
 * is kept as it is handed over, not copied. A chunk of records is let go as soon as all of its records are taken,
 * so that files mostly in time order are held less and less while the engine's state grows.
 */
export class HeldRecords<S extends StreamName> {
  private readonly names: readonly string[];
  private readonly timeField: number;
  private readonly shared: readonly boolean[];
  private readonly chunks: (Chunk | null)[] = [];
  /** The chunk that add() fills, while it has room. */
  private filling: Chunk | null = null;
  private times = new Float64Array(CHUNK);
  private meanings = new Uint8Array(CHUNK);
  /** Per position, the index of its chunk. */
  private chunkOf = new Uint32Array(CHUNK);
  private count = 0;
  private readonly row: Record<string, unknown> = {};

  /** `intern` returns the one copy kept of a value of a field with few distinct values. */
  constructor(readonly stream: S, private readonly intern: (value: string) => string) {
    this.names = STREAM_FIELDS[stream].fields;
    this.timeField = this.names.indexOf(STREAM_FIELDS[stream].time);
    this.shared = this.names.map((name) => SHARED_FIELDS.has(name));
  }

  get size(): number {
    return this.count;
  }

  /**
   * `count` records given as columns in STREAM_FIELDS order, each with its meaning code. The columns are handed
   * over: they are kept as they are (in an array column of a field with few distinct values, each value replaced
   * by its one copy).
   */
  addColumns(columns: Column[], count: number, meanings: ArrayLike<number>): void {
    if (count === 0) return;
    this.reserve(count);
    for (let f = 0; f < this.names.length; f++) {
      const column = columns[f]!;
      if (!this.shared[f]) continue;
      if (Array.isArray(column)) for (let i = 0; i < count; i++) column[i] = this.held(f, column[i]);
      else if ('codes' in column) columns[f] = { values: column.values.map((v) => this.intern(v)), codes: column.codes };
    }
    const c = this.chunks.length;
    this.chunks.push({ columns, start: this.count, left: count });
    this.filling = null;
    const times = columns[this.timeField]!;
    for (let i = 0; i < count; i++) {
      this.times[this.count] = valueAt(times, i) as number;
      this.chunkOf[this.count] = c;
      this.meanings[this.count++] = meanings[i]!;
    }
  }

  add(record: RecordOf[S], meaning: number): void {
    this.reserve(1);
    const fields = record as unknown as Readonly<Record<string, unknown>>;
    let chunk = this.filling;
    if (chunk === null || this.count - chunk.start >= CHUNK) {
      chunk = this.filling = { columns: this.names.map(() => []), start: this.count, left: 0 };
      this.chunks.push(chunk);
    }
    for (let f = 0; f < this.names.length; f++) (chunk.columns[f] as unknown[]).push(this.held(f, fields[this.names[f]!]));
    chunk.left++;
    this.times[this.count] = fields[this.names[this.timeField]!] as number;
    this.chunkOf[this.count] = this.chunks.length - 1;
    this.meanings[this.count++] = meaning;
  }

  time(i: number): number {
    return this.times[i]!;
  }

  meaning(i: number): number {
    return this.meanings[i]!;
  }

  /** The record at position i (in the order added), whole; once taken, it is no longer held. */
  take(i: number): RecordOf[S] {
    const c = this.chunkOf[i]!;
    const chunk = this.chunks[c];
    if (!chunk) throw new Error(`held ${this.stream}: record ${i} was already taken`);
    const at = i - chunk.start;
    const row = this.row;
    for (let f = 0; f < this.names.length; f++) row[this.names[f]!] = valueAt(chunk.columns[f]!, at);
    if (--chunk.left === 0) {
      this.chunks[c] = null;
      if (chunk === this.filling) this.filling = null;
    }
    return buildRecord(this.stream, row);
  }

  /** Positions in event-time order, equal times in the order added. */
  timeOrder(): Uint32Array {
    const times = this.times;
    const order: number[] = new Array<number>(this.count);
    let sorted = true;
    for (let i = 0; i < this.count; i++) {
      order[i] = i;
      if (i > 0 && times[i]! < times[i - 1]!) sorted = false;
    }
    // Array sort is stable and nearly linear on nearly sorted input, as files mostly are.
    if (!sorted) order.sort((a, b) => times[a]! - times[b]!);
    return Uint32Array.from(order);
  }

  /** Lets go of every record held. */
  release(): void {
    this.chunks.length = 0;
    this.filling = null;
    this.chunkOf = new Uint32Array(0);
    this.times = new Float64Array(0);
    this.meanings = new Uint8Array(0);
    this.count = 0;
  }

  private held(f: number, value: unknown): unknown {
    return this.shared[f] && typeof value === 'string' ? this.intern(value) : value;
  }

  private reserve(more: number): void {
    if (this.count + more <= this.times.length) return;
    let capacity = Math.max(CHUNK, this.times.length * 2);
    while (capacity < this.count + more) capacity *= 2;
    const times = new Float64Array(capacity);
    times.set(this.times.subarray(0, this.count));
    const meanings = new Uint8Array(capacity);
    meanings.set(this.meanings.subarray(0, this.count));
    const chunkOf = new Uint32Array(capacity);
    chunkOf.set(this.chunkOf.subarray(0, this.count));
    this.times = times;
    this.meanings = meanings;
    this.chunkOf = chunkOf;
  }
}
