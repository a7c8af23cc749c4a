// Which patients hold a standing dissent of each type in their GP record, since when, and a way to draw one of
// them at random (for withdrawals), in typed arrays so that 900,000 patients cost a few tens of megabytes.
import type { OptOutType } from '../core/records.js';
import type { SeededRandom } from './seeded-random.js';

class ActiveSet {
  readonly #members: Int32Array;
  readonly #position: Int32Array;
  readonly since: Float64Array;
  size = 0;

  constructor(patients: number) {
    this.#members = new Int32Array(patients);
    this.#position = new Int32Array(patients).fill(-1);
    this.since = new Float64Array(patients);
  }

  has(patient: number): boolean {
    return (this.#position[patient] as number) >= 0;
  }

  add(patient: number, at: number): void {
    if (this.has(patient)) return;
    this.#position[patient] = this.size;
    this.#members[this.size++] = patient;
    this.since[patient] = at;
  }

  remove(patient: number): void {
    const at = this.#position[patient] as number;
    if (at < 0) return;
    const last = this.#members[--this.size] as number;
    this.#members[at] = last;
    this.#position[last] = at;
    this.#position[patient] = -1;
  }

  random(random: SeededRandom): number | undefined {
    return this.size === 0 ? undefined : (this.#members[random.int(this.size)] as number);
  }
}

export class DissentRegister {
  readonly #byType: Record<OptOutType, ActiveSet>;

  constructor(patients: number) {
    this.#byType = { TYPE_1: new ActiveSet(patients), TYPE_2: new ActiveSet(patients) };
  }

  isActive(patient: number, type: OptOutType): boolean {
    return this.#byType[type].has(patient);
  }

  /** When the standing dissent began; meaningful only while isActive. */
  activeSince(patient: number, type: OptOutType): number {
    return this.#byType[type].since[patient] as number;
  }

  dissent(patient: number, type: OptOutType, at: number): void {
    this.#byType[type].add(patient, at);
  }

  withdraw(patient: number, type: OptOutType): void {
    this.#byType[type].remove(patient);
  }

  count(type: OptOutType): number {
    return this.#byType[type].size;
  }

  randomActive(type: OptOutType, random: SeededRandom): number | undefined {
    return this.#byType[type].random(random);
  }
}
