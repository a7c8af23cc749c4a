// A 64-bit non-cryptographic fingerprint (two independent 32-bit multiplicative hashes over UTF-16 code
// units), used to remember which ids and contents were seen without keeping the strings. Two different
// strings share a fingerprint with probability about 2^-64 per pair: for ten million ids, about 3 in a million
// runs would see one false match. The replay documents this.
//
// Built for the hot path: a Fingerprinter accumulates any number of parts and leaves its result in `hi`/`lo`,
// allocating nothing.

export class Fingerprinter {
  hi = 0;
  lo = 0;
  /** The bits of every byte given to asciiText since begin(). */
  byteBits = 0;
  private h1 = 0;
  private h2 = 0;
  private length = 0;

  begin(): this {
    this.h1 = 0x811c9dc5 | 0;
    this.h2 = 0x2545f491 | 0;
    this.length = 0;
    this.byteBits = 0;
    return this;
  }

  text(value: string): this {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    this.endPart(h1, h2, value.length);
    return this;
  }

  /**
   * As text(), for a text of ASCII bytes, `bytes[start..end)`: an ASCII byte is its UTF-16 code unit, so the
   * fingerprint is the one text() gives the same text as a string. `byteBits` gathers the bits of the bytes, to
   * tell afterwards whether they all were ASCII (below 0x80): if one was not, the fingerprint stands for nothing.
   */
  asciiText(bytes: Uint8Array, start: number, end: number): this {
    let h1 = this.h1;
    let h2 = this.h2;
    let bits = this.byteBits;
    for (let i = start; i < end; i++) {
      const c = bytes[i]!;
      bits |= c;
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    this.byteBits = bits;
    this.endPart(h1, h2, end - start);
    return this;
  }

  /** Ends a text part of `units` code units hashed into h1, h2: a separator after each part, so ("ab", "c") and ("a", "bc") differ. */
  private endPart(h1: number, h2: number, units: number): void {
    this.h1 = Math.imul(h1 ^ 0xffff, 0x01000193);
    this.h2 = Math.imul(h2 ^ 0xffff, 0x5bd1e995);
    this.length += units + 1;
  }

  /** A missing or null part, distinct from every string. */
  absent(): this {
    this.h1 = Math.imul(this.h1 ^ 0x1fffe, 0x01000193);
    this.h2 = Math.imul(this.h2 ^ 0x1fffe, 0x5bd1e995);
    this.length += 1;
    return this;
  }

  /** An integer part (timestamps, counts), hashed by value rather than by its decimal text. */
  integer(value: number): this {
    const low = value >>> 0;
    const high = Math.floor(value / 4294967296) | 0;
    this.h1 = Math.imul(Math.imul(this.h1 ^ low, 0x01000193) ^ high, 0x01000193);
    this.h2 = Math.imul(Math.imul(this.h2 ^ low, 0x5bd1e995) ^ high, 0x5bd1e995);
    this.h2 ^= this.h2 >>> 15;
    this.length += 2;
    return this;
  }

  end(): this {
    let h1 = this.h1 ^ this.length;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
    h1 = Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35);
    h1 ^= h1 >>> 16;
    let h2 = this.h2;
    h2 = Math.imul(h2 ^ (h2 >>> 16), 0x7feb352d);
    h2 = Math.imul(h2 ^ (h2 >>> 15), 0x846ca68b);
    h2 ^= h2 >>> 16;
    this.hi = h1 >>> 0;
    this.lo = h2 >>> 0;
    return this;
  }
}
