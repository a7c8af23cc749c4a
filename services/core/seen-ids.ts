export type Sighting = 'new' | 'duplicate' | 'conflict';

// The low bit of a slot's last word marks it occupied, so content fingerprints keep 63 bits.

/**
 * Which ids were seen, with a fingerprint of their first valid content, in an open-addressing table of typed
 * arrays: sixteen bytes a slot, so tens of millions of dissemination ids fit in a few hundred megabytes where a
 * Map of strings would not.
 */
export class SeenIds {
  private slots: Uint32Array;
  private capacity: number;
  private used = 0;

  constructor(initialCapacity = 1 << 12) {
    this.capacity = initialCapacity;
    this.slots = new Uint32Array(initialCapacity * 4);
  }

  /** Makes room for this many ids at once, sparing the rehashing of growing step by step. */
  reserve(ids: number): void {
    let capacity = this.capacity;
    while (ids * 10 > capacity * 7) capacity *= 2;
    if (capacity === this.capacity) return;
    const old = this.slots;
    this.capacity = capacity;
    this.slots = new Uint32Array(capacity * 4);
    this.rehash(old);
  }

  get size(): number {
    return this.used;
  }

  /** Records the id's first content; later sightings are duplicates or conflicts against it. */
  sight(idHi: number, idLo: number, contentHi: number, contentLo: number): Sighting {
    if ((this.used + 1) * 10 > this.capacity * 7) this.grow();
    const slot = this.find(idHi, idLo);
    const s = this.slots;
    const marked = (contentLo | 1) >>> 0;
    if ((s[slot + 3]! & 1) === 0) {
      s[slot] = idHi;
      s[slot + 1] = idLo;
      s[slot + 2] = contentHi;
      s[slot + 3] = marked;
      this.used++;
      return 'new';
    }
    return s[slot + 2] === contentHi && s[slot + 3] === marked ? 'duplicate' : 'conflict';
  }

  private find(hi: number, lo: number): number {
    const mask = this.capacity - 1;
    let i = (hi ^ Math.imul(lo, 0x9e3779b1)) & mask;
    const s = this.slots;
    for (;;) {
      const slot = i * 4;
      if ((s[slot + 3]! & 1) === 0) return slot;
      if (s[slot] === hi && s[slot + 1] === lo) return slot;
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.capacity *= 2;
    this.slots = new Uint32Array(this.capacity * 4);
    this.rehash(old);
  }

  private rehash(old: Uint32Array): void {
    for (let slot = 0; slot < old.length; slot += 4) {
      if ((old[slot + 3]! & 1) === 0) continue;
      const target = this.find(old[slot]!, old[slot + 1]!);
      this.slots[target] = old[slot]!;
      this.slots[target + 1] = old[slot + 1]!;
      this.slots[target + 2] = old[slot + 2]!;
      this.slots[target + 3] = old[slot + 3]!;
    }
  }
}
