import type { Fingerprint } from './fingerprint.js';

export type Sighting = 'new' | 'duplicate' | 'conflict';

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

  get size(): number {
    return this.used;
  }

  /** Records the id's first content; later sightings are duplicates or conflicts against it. */
  sight(id: Fingerprint, content: Fingerprint): Sighting {
    if ((this.used + 1) * 10 > this.capacity * 7) this.grow();
    const slot = this.find(id.hi, id.lo);
    if (!this.isOccupied(slot)) {
      this.store(slot, id, content);
      this.used++;
      return 'new';
    }
    const s = this.slots;
    return s[slot + 2] === content.hi && s[slot + 3] === (content.lo | 1) >>> 0 ? 'duplicate' : 'conflict';
  }

  // The low bit of the content's second word marks a slot as occupied (so content fingerprints keep 63 bits).
  private isOccupied(slot: number): boolean {
    return (this.slots[slot + 3]! & 1) === 1;
  }

  private store(slot: number, id: Fingerprint, content: Fingerprint): void {
    this.slots[slot] = id.hi;
    this.slots[slot + 1] = id.lo;
    this.slots[slot + 2] = content.hi;
    this.slots[slot + 3] = (content.lo | 1) >>> 0;
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
