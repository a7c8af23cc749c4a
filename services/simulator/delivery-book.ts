// Lines waiting for the extract that will carry them, by delivery day and practice. Only days ahead of the
// simulation clock are held, plus whatever a fault schedules for later, so memory stays small.
import type { ExtractEntry } from './extract-entry.js';

export class DeliveryBook {
  readonly #byDay = new Map<number, Map<number, ExtractEntry[]>>();

  add(day: number, practice: number, entry: ExtractEntry): void {
    let byPractice = this.#byDay.get(day);
    if (byPractice === undefined) {
      byPractice = new Map();
      this.#byDay.set(day, byPractice);
    }
    const entries = byPractice.get(practice);
    if (entries === undefined) byPractice.set(practice, [entry]);
    else entries.push(entry);
  }

  /** Takes every line due on `day`, by practice index. */
  takeDay(day: number): Map<number, ExtractEntry[]> {
    const byPractice = this.#byDay.get(day) ?? new Map<number, ExtractEntry[]>();
    this.#byDay.delete(day);
    return byPractice;
  }

  /** Lines booked after the last delivery day: they never arrive within the simulated window. */
  undelivered(): ExtractEntry[] {
    return [...this.#byDay.values()].flatMap((byPractice) => [...byPractice.values()].flat());
  }
}
