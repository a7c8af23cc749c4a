/** How the objector map is asked about an NHS number of ASCII bytes: ObjectorFilter's slotOfAscii and mightHoldSlot. */
export interface ObjectorMap {
  slotOfAscii(bytes: Uint8Array, start: number, end: number): number;
  mightHoldSlot(slot: number): boolean;
}

/** A map that says maybe of everyone: the set alone then answers. */
export const NO_MAP: ObjectorMap = { slotOfAscii: () => 0, mightHoldSlot: () => true };

/**
 * Valid lines whose patient is still to be asked about, with the slot of their NHS number in the objector map,
 * asked about in one go when a block is screened: each look-up is a memory access at random over megabytes,
 * and made one after another they overlap instead of each waiting for the last.
 */
export class ObjectorQueue {
  private count = 0;
  private lines = new Int32Array(1024);
  private slots = new Int32Array(1024);
  private places = new Float64Array(1024);

  /** The valid line `line` (its index among a batch's valid lines), found at `place` in what it was read from. */
  add(line: number, slot: number, place: number): void {
    const n = this.count;
    if (n === this.lines.length) this.grow();
    this.lines[n] = line;
    this.slots[n] = slot;
    this.places[n] = place;
    this.count = n + 1;
  }

  /** Calls `maybe` with each queued line whose slot the map might hold, in the order they came, and empties the queue. */
  drain(map: ObjectorMap, maybe: (line: number, place: number) => void): void {
    const { lines, slots, places } = this;
    for (let i = 0; i < this.count; i++) if (map.mightHoldSlot(slots[i]!)) maybe(lines[i]!, places[i]!);
    this.count = 0;
  }

  private grow(): void {
    const n = this.lines.length * 2;
    const lines = new Int32Array(n);
    const slots = new Int32Array(n);
    const places = new Float64Array(n);
    lines.set(this.lines);
    slots.set(this.slots);
    places.set(this.places);
    this.lines = lines;
    this.slots = slots;
    this.places = places;
  }
}
