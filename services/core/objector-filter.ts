/**
 * Patients with a recorded dissent, asked about once per release line (tens of millions of times). A 2^24-bit
 * map of a cheap hash answers "no" for almost everyone without touching the set; the set settles the rest.
 */
export class ObjectorFilter {
  private readonly bits = new Uint8Array(1 << 21);
  private readonly set: ReadonlySet<string>;

  constructor(objectors: Iterable<string>) {
    const set = new Set<string>();
    for (const nhs of objectors) {
      set.add(nhs);
      const h = hash24(nhs);
      this.bits[h >>> 3]! |= 1 << (h & 7);
    }
    this.set = set;
  }

  has(nhsNumber: string): boolean {
    return this.mightHold(nhsNumber) && this.set.has(nhsNumber);
  }

  /** The map's answer alone: false for certain, true for maybe (has() settles it). */
  mightHold(nhsNumber: string): boolean {
    return this.mightHoldSlot(hash24(nhsNumber));
  }

  /**
   * Where the map holds an NHS number of ASCII bytes, `bytes[start..end)` (an ASCII byte is its UTF-16 unit), for
   * mightHoldSlot: hashing and looking up apart, so that many look-ups can be made in one go.
   */
  slotOfAscii(bytes: Uint8Array, start: number, end: number): number {
    let h = 0x9e3779b9 | 0;
    for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    return mix24(h);
  }

  /** mightHold() of the number whose slot that is. */
  mightHoldSlot(slot: number): boolean {
    return (this.bits[slot >>> 3]! & (1 << (slot & 7))) !== 0;
  }
}

function hash24(text: string): number {
  let h = 0x9e3779b9 | 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix24(h);
}

function mix24(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 12)) & 0xffffff;
}
