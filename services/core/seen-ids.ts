import type { Sighting } from './duplicates.js';

// A slot is three words: the id's 64-bit fingerprint, and 31 bits of the content fingerprint with the low bit
// marking the slot occupied. Content is only ever compared between records with the same id, which are rare (a
// redelivery): a changed record is taken for an identical copy with probability 2^-31 per such pair.
const WORDS = 3;
// Filled to at most 4/5 of the slots, so that an id costs at most 15 bytes once the table is sized for the file.
const FILL_NUMERATOR = 4;
const FILL_DENOMINATOR = 5;

/**
 * Which ids were seen, with a fingerprint of their first valid content, in an open-addressing table of typed
 * arrays: twelve bytes a slot, sized (by `reserve`) for the file, so tens of millions of dissemination ids fit
 * in a few hundred megabytes where a Map of strings would not.
 */
export class SeenIds {
  private slots: Uint32Array;
  private capacity: number;
  private used = 0;
  private lastRead = 0;

  constructor(initialCapacity = 1 << 12) {
    this.capacity = initialCapacity;
    this.slots = new Uint32Array(initialCapacity * WORDS);
  }

  /** Makes room for this many ids at once, sparing the rehashing of growing step by step. */
  reserve(ids: number): void {
    const capacity = Math.ceil((ids * FILL_DENOMINATOR) / FILL_NUMERATOR) + 1;
    if (capacity > this.capacity) this.resize(capacity);
  }

  get size(): number {
    return this.used;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Records the id's first content; later sightings are duplicates or conflicts against it. */
  sight(idHi: number, idLo: number, contentHi: number, contentLo: number): Sighting {
    if ((this.used + 1) * FILL_DENOMINATOR > this.capacity * FILL_NUMERATOR) this.resize(Math.ceil(this.capacity * 1.5) + 1);
    const slot = this.find(idHi, idLo);
    const s = this.slots;
    const marked = ((contentHi ^ Math.imul(contentLo, 0x85ebca6b)) | 1) >>> 0;
    if ((s[slot + 2]! & 1) === 0) {
      s[slot] = idHi;
      s[slot + 1] = idLo;
      s[slot + 2] = marked;
      this.used++;
      return 'new';
    }
    return s[slot + 2] === marked ? 'duplicate' : 'conflict';
  }

  /**
   * Reads the slot where each id's probe starts, the ids given as their fingerprints' two words at every `stride`
   * words of `ids`, so that sighting them next finds those slots in cache. Changes nothing. The table is sized for
   * the file, far beyond any cache, so a new id's sighting waits on memory; and a sighting branches on what it
   * reads, which the processor seldom gets past to start the next sighting's read. These reads have no branch
   * between them: many are in flight together.
   */
  prefetch(ids: Uint32Array, stride: number): void {
    const s = this.slots;
    let read = 0;
    for (let w = 0; w + 1 < ids.length; w += stride) read ^= s[this.home(ids[w]!, ids[w + 1]!) * WORDS + 2]!;
    // Kept, so that the reads are not optimised away.
    this.lastRead = read;
  }

  private home(hi: number, lo: number): number {
    // The fingerprint's bits are well mixed already: one multiply spreads them over any table size.
    return Math.floor((((hi ^ Math.imul(lo, 0x9e3779b1)) >>> 0) / 4294967296) * this.capacity);
  }

  private find(hi: number, lo: number): number {
    const capacity = this.capacity;
    let i = this.home(hi, lo);
    const s = this.slots;
    for (;;) {
      const slot = i * WORDS;
      if ((s[slot + 2]! & 1) === 0) return slot;
      if (s[slot] === hi && s[slot + 1] === lo) return slot;
      if (++i === capacity) i = 0;
    }
  }

  private resize(capacity: number): void {
    const old = this.slots;
    this.capacity = capacity;
    this.slots = new Uint32Array(capacity * WORDS);
    for (let slot = 0; slot < old.length; slot += WORDS) {
      if ((old[slot + 2]! & 1) === 0) continue;
      const target = this.find(old[slot]!, old[slot + 1]!);
      this.slots[target] = old[slot]!;
      this.slots[target + 1] = old[slot + 1]!;
      this.slots[target + 2] = old[slot + 2]!;
    }
  }
}
