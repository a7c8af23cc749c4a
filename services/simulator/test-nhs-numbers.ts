// Patients' NHS numbers, drawn only from the range NHS England sets aside for test data (999 000 0000 -
// 999 999 9999) and only with a valid Modulus 11 check digit. The range holds 909,091 such numbers; patient i
// gets the i-th of a seeded shuffle of them, so numbers are unique and look unordered.
import { sevenDigits } from './digit-groups.js';
import type { SeededRandom } from './seeded-random.js';

const PREFIXES = 1_000_000; // 999 followed by six digits

/** Modulus 11 check digit of a nine-digit prefix, or 10 when no valid number has that prefix. */
export function checkDigit(prefix: number): number {
  let sum = 0;
  let rest = prefix;
  for (let weight = 2; weight <= 10; weight++) {
    sum += (rest % 10) * weight;
    rest = Math.floor(rest / 10);
  }
  const check = 11 - (sum % 11);
  return check === 11 ? 0 : check;
}

let cachedTails: Int32Array | undefined;

/** Every valid number in the test range, as its last seven digits, in ascending order. */
function validTails(): Int32Array {
  if (cachedTails !== undefined) return cachedTails;
  const tails = new Int32Array(PREFIXES);
  let n = 0;
  for (let p = 0; p < PREFIXES; p++) {
    const check = checkDigit(999_000_000 + p);
    if (check !== 10) tails[n++] = p * 10 + check;
  }
  cachedTails = tails.slice(0, n);
  return cachedTails;
}

export const TEST_RANGE_CAPACITY = validTails().length;

export class TestNhsNumbers {
  readonly #tails: Int32Array;

  constructor(patients: number, random: SeededRandom) {
    if (patients > TEST_RANGE_CAPACITY) throw new Error(`the test range holds only ${TEST_RANGE_CAPACITY} valid NHS numbers`);
    const all = validTails().slice();
    random.shuffle(all);
    this.#tails = all.slice(0, patients);
  }

  get count(): number {
    return this.#tails.length;
  }

  of(patient: number): string {
    return '999' + sevenDigits(this.#tails[patient] as number);
  }
}

/**
 * A 999-prefixed number that fails the check: either a prefix that can never be valid (check value 10) or a
 * valid prefix with a wrong tenth digit.
 */
export function invalidTestNhsNumber(random: SeededRandom): string {
  const prefix = 999_000_000 + random.int(PREFIXES);
  const check = checkDigit(prefix);
  const last = check === 10 ? random.int(10) : (check + 1 + random.int(9)) % 10;
  return String(prefix * 10 + last);
}
