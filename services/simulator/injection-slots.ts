// When a fault that adds a fixed number of records adds them: that many delivery mornings drawn at random from
// the window (a morning may be drawn more than once).
import type { SeededRandom } from './seeded-random.js';

export function injectionSlots(count: number, firstDay: number, lastDay: number, random: SeededRandom): Map<number, number> {
  const slots = new Map<number, number>();
  if (lastDay < firstDay) return slots;
  for (let i = 0; i < count; i++) {
    const day = random.between(firstDay, lastDay);
    slots.set(day, (slots.get(day) ?? 0) + 1);
  }
  return slots;
}

/** A few per run, growing gently with the population: 3 at 15,000 patients, 180 at 900,000. */
export function injectionCount(patients: number): number {
  return Math.max(3, Math.ceil(patients * 0.0002));
}
