// A JSON value (null, booleans, numbers, strings, arrays, objects) as compact bytes, for the decider's snapshot. It
// reads back exactly what JSON.parse(JSON.stringify(value)) would give, without one text holding the whole value: a
// JavaScript string stops at about 512 M characters, which a snapshot of some two million patients would pass as
// JSON. Written into a list of buffers of CHUNK bytes; read from one.
//
// Each value starts with a tag byte. A safe integer is its sign's tag, then its magnitude as a varint (seven bits a
// byte); other numbers are float64. A string of lowercase
// hex digits (a keyed pseudonym) is kept as its bytes, at half the length. Short strings (practice codes, suppliers,
// opt-out types) go into a table the first time and are referred to by position after, up to TABLE_MAX of them; a
// string equal to one of the RECENT strings written just before it (a record id that is also its origin's) is
// referred to by how far back it was. Strings are kept as UTF-8, so a lone surrogate (which no decoded record can
// hold) would come back as U+FFFD. Read back whole, or item by item by a caller that knows the value's shape (the
// decider restores its engine so, with no generic arrays held on the way). Pure: no I/O.

const TAG = {
  NULL: 0, FALSE: 1, TRUE: 2, UINT: 3, NEG_INT: 4, FLOAT: 5, STRING: 6, HEX: 7, TABLED: 8, RECENT: 9, ARRAY: 10, OBJECT: 11, ASCII: 12,
} as const;

const CHUNK = 1 << 20;
/** Strings up to this many characters go into the table. */
const TABLE_LENGTH = 12;
const TABLE_MAX = 1 << 16;
const RECENT = 8;

/** Whether a string met for the first time goes into the table (else into the recent ring): one rule for both sides. */
const goesInTable = (value: string, tableSize: number): boolean => value.length <= TABLE_LENGTH && tableSize < TABLE_MAX;

/** The last RECENT strings met for the first time that did not go into the table, referred to by how far back. */
class RecentStrings {
  readonly #ring: string[] = [];
  #next = 0;

  add(value: string): void {
    this.#ring[this.#next] = value;
    this.#next = (this.#next + 1) % RECENT;
  }

  /** How far back the string is (0: the last added), or -1. */
  distanceOf(value: string): number {
    const at = this.#ring.indexOf(value);
    return at === -1 ? -1 : (this.#next - 1 - at + 2 * RECENT) % RECENT;
  }

  at(distance: number): string | undefined {
    return distance < RECENT ? this.#ring[(this.#next - 1 - distance + 2 * RECENT) % RECENT] : undefined;
  }
}

/** Hex text shorter than this is kept as text. */
const HEX_LENGTH = 16;

/** HEX for lowercase hex digits of even length HEX_LENGTH or more; ASCII for other ASCII text; else STRING (UTF-8). */
function textKind(value: string): number {
  let hex = value.length >= HEX_LENGTH && value.length % 2 === 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x80) return TAG.STRING;
    if (hex && !((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) hex = false;
  }
  return hex ? TAG.HEX : TAG.ASCII;
}

export class UnreadableValue extends Error {
  constructor(detail: string) {
    super(`compact value not readable: ${detail}`);
    this.name = 'UnreadableValue';
  }
}

/** Writes a value whole (value), or item by item (array, object, string, number, null), each followed by its items. */
export class CompactWriter {
  readonly chunks: Buffer[] = [];
  #buffer = Buffer.allocUnsafe(CHUNK);
  #at = 0;
  readonly #table = new Map<string, number>();
  readonly #recent = new RecentStrings();

  finish(): Buffer[] {
    this.chunks.push(this.#buffer.subarray(0, this.#at));
    return this.chunks;
  }

  #room(bytes: number): void {
    if (this.#at + bytes <= this.#buffer.length) return;
    this.chunks.push(this.#buffer.subarray(0, this.#at));
    this.#buffer = Buffer.allocUnsafe(Math.max(CHUNK, bytes));
    this.#at = 0;
  }

  #byte(value: number): void {
    this.#room(1);
    this.#buffer[this.#at++] = value;
  }

  /** A non-negative safe integer, seven bits a byte (arithmetic, not bitwise: it may pass 2^32). */
  #varint(value: number): void {
    this.#room(8);
    let rest = value;
    while (rest >= 0x80) {
      this.#buffer[this.#at++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.#buffer[this.#at++] = rest;
  }

  value(value: unknown): void {
    if (value === null || value === undefined) return this.null();
    switch (typeof value) {
      case 'boolean': return this.#byte(value ? TAG.TRUE : TAG.FALSE);
      case 'number': return this.number(value);
      case 'string': return this.string(value);
      case 'object': {
        if (Array.isArray(value)) {
          this.array(value.length);
          for (const item of value) this.value(item);
          return;
        }
        // As JSON.stringify: undefined and function members are left out; toJSON is not looked for (none is held).
        const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
        this.object(entries.length);
        for (const [k, v] of entries) {
          this.string(k);
          this.value(v);
        }
        return;
      }
      default: return this.null();
    }
  }

  /** An array of this many items, to be written next. */
  array(length: number): void {
    this.#byte(TAG.ARRAY);
    this.#varint(length);
  }

  /** An object of this many members, each to be written next as its name (a string), then its value. */
  object(members: number): void {
    this.#byte(TAG.OBJECT);
    this.#varint(members);
  }

  null(): void {
    this.#byte(TAG.NULL);
  }

  number(value: number): void {
    if (!Number.isFinite(value)) return this.null();
    // -0 is written as 0, as JSON writes it.
    if (Number.isSafeInteger(value)) {
      this.#byte(value >= 0 ? TAG.UINT : TAG.NEG_INT);
      return this.#varint(Math.abs(value));
    }
    this.#byte(TAG.FLOAT);
    this.#room(8);
    this.#buffer.writeDoubleLE(value, this.#at);
    this.#at += 8;
  }

  string(value: string): void {
    // Only short strings are ever in the table.
    const tabled = value.length <= TABLE_LENGTH ? this.#table.get(value) : undefined;
    if (tabled !== undefined) {
      this.#byte(TAG.TABLED);
      return this.#varint(tabled);
    }
    // Not in the table: a string that would go into it now is met for the first time, so it is in no ring either.
    const tableIt = goesInTable(value, this.#table.size);
    const back = tableIt ? -1 : this.#recent.distanceOf(value);
    if (back !== -1) {
      this.#byte(TAG.RECENT);
      return this.#byte(back);
    }
    if (tableIt) this.#table.set(value, this.#table.size);
    else this.#recent.add(value);
    const kind = textKind(value);
    if (kind === TAG.HEX) {
      this.#byte(TAG.HEX);
      this.#varint(value.length / 2);
      this.#room(value.length / 2);
      this.#at += this.#buffer.write(value, this.#at, 'hex');
      return;
    }
    const bytes = kind === TAG.ASCII ? value.length : Buffer.byteLength(value, 'utf8');
    this.#byte(kind);
    this.#varint(bytes);
    this.#room(bytes);
    if (kind === TAG.ASCII) {
      // Short ASCII text byte by byte: cheaper than a call into the buffer's encoder.
      for (let i = 0; i < bytes; i++) this.#buffer[this.#at + i] = value.charCodeAt(i);
      this.#at += bytes;
    } else {
      this.#at += this.#buffer.write(value, this.#at, 'utf8');
    }
  }
}

const STRING_TAGS: ReadonlySet<number> = new Set([TAG.STRING, TAG.HEX, TAG.TABLED, TAG.RECENT, TAG.ASCII]);

/** Reads a value whole (value), or item by item as the caller expects it to be (array, object, string, number, null). */
export class CompactReader {
  #at = 0;
  readonly #table: string[] = [];
  readonly #recent = new RecentStrings();

  constructor(private readonly buffer: Buffer) {}

  get done(): boolean {
    return this.#at === this.buffer.length;
  }

  #byte(): number {
    if (this.#at >= this.buffer.length) throw new UnreadableValue('it ends in the middle of a value');
    return this.buffer[this.#at++]!;
  }

  #varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = this.#byte();
      value += (byte & 0x7f) * scale;
      if (value > Number.MAX_SAFE_INTEGER) throw new UnreadableValue('an integer beyond a safe integer');
      if (byte < 0x80) return value;
      scale *= 0x80;
      if (scale > Number.MAX_SAFE_INTEGER) throw new UnreadableValue('an integer longer than a safe integer');
    }
  }

  /** A count of items that follow, each at least one byte: more than the bytes left is not a value. */
  #count(): number {
    const count = this.#varint();
    if (count > this.buffer.length - this.#at) throw new UnreadableValue('it ends in the middle of a value');
    return count;
  }

  #bytes(length: number): number {
    const start = this.#at;
    if (start + length > this.buffer.length) throw new UnreadableValue('it ends in the middle of a value');
    this.#at += length;
    return start;
  }

  /** The next value, which must be an array: how many items follow (read them next). */
  array(): number {
    this.#expect(TAG.ARRAY, 'an array');
    return this.#count();
  }

  /** The next value, which must be an object: how many members follow (a name, then its value, each). */
  object(): number {
    this.#expect(TAG.OBJECT, 'an object');
    return this.#count();
  }

  string(): string {
    const tag = this.#byte();
    if (!STRING_TAGS.has(tag)) throw new UnreadableValue(`a string expected, found tag ${tag}`);
    return this.#string(tag);
  }

  number(): number {
    const tag = this.#byte();
    switch (tag) {
      case TAG.UINT: return this.#varint();
      case TAG.NEG_INT: return -this.#varint();
      case TAG.FLOAT: return this.buffer.readDoubleLE(this.#bytes(8));
      default: throw new UnreadableValue(`a number expected, found tag ${tag}`);
    }
  }

  /** Whether the next value is null; taken if it is. */
  null(): boolean {
    if (this.buffer[this.#at] !== TAG.NULL) return false;
    this.#at++;
    return true;
  }

  #expect(tag: number, what: string): void {
    const found = this.#byte();
    if (found !== tag) throw new UnreadableValue(`${what} expected, found tag ${found}`);
  }

  value(): unknown {
    const tag = this.#byte();
    switch (tag) {
      case TAG.NULL: return null;
      case TAG.FALSE: return false;
      case TAG.TRUE: return true;
      case TAG.UINT: return this.#varint();
      case TAG.NEG_INT: return -this.#varint();
      case TAG.FLOAT: return this.buffer.readDoubleLE(this.#bytes(8));
      case TAG.ARRAY: {
        const length = this.#count();
        const array: unknown[] = new Array(length);
        for (let i = 0; i < length; i++) array[i] = this.value();
        return array;
      }
      case TAG.OBJECT: {
        const length = this.#count();
        const object: Record<string, unknown> = {};
        for (let i = 0; i < length; i++) {
          const key = this.value();
          if (typeof key !== 'string') throw new UnreadableValue('an object member named by something other than a string');
          // An own member even when named __proto__, as JSON.parse makes it.
          Object.defineProperty(object, key, { value: this.value(), writable: true, enumerable: true, configurable: true });
        }
        return object;
      }
      default: return this.#string(tag);
    }
  }

  #string(tag: number): string {
    switch (tag) {
      case TAG.TABLED: {
        const value = this.#table[this.#varint()];
        if (value === undefined) throw new UnreadableValue('a reference to a string not yet read');
        return value;
      }
      case TAG.RECENT: {
        const value = this.#recent.at(this.#byte());
        if (value === undefined) throw new UnreadableValue('a reference to a string not yet read');
        return value;
      }
      case TAG.HEX:
      case TAG.ASCII:
      case TAG.STRING: {
        const length = this.#varint();
        const at = this.#bytes(length);
        const value = this.buffer.toString(tag === TAG.HEX ? 'hex' : tag === TAG.ASCII ? 'latin1' : 'utf8', at, at + length);
        if (goesInTable(value, this.#table.length)) this.#table.push(value);
        else this.#recent.add(value);
        return value;
      }
      default: throw new UnreadableValue(`unknown tag ${tag}`);
    }
  }
}

/** The value's bytes, as a list of buffers (to be compressed or joined by the caller). */
export function encodeCompactValue(value: unknown): Buffer[] {
  return writeCompactValue((writer) => writer.value(value));
}

/** The bytes of what `write` writes, item by item: one value, whole. */
export function writeCompactValue(write: (writer: CompactWriter) => void): Buffer[] {
  const writer = new CompactWriter();
  write(writer);
  return writer.finish();
}

export function decodeCompactValue(bytes: Buffer): unknown {
  return readCompactValue(bytes, (reader) => reader.value());
}

/** The value read by `read`, item by item: it must take the whole value, and nothing may be left after it. */
export function readCompactValue<T>(bytes: Buffer, read: (reader: CompactReader) => T): T {
  const reader = new CompactReader(bytes);
  const value = read(reader);
  if (!reader.done) throw new UnreadableValue('bytes left over after the value');
  return value;
}
