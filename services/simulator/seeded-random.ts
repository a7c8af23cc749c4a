// A small seeded PRNG (xoshiro128**, Blackman & Vigna), so that a scenario depends on its seed alone: the same
// seed gives the same numbers on every platform, which Math.random cannot promise. 32-bit arithmetic only.

const LABEL_OFFSET = 0x811c9dc5;

export class SeededRandom {
  readonly seed: number;
  readonly label: string;
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** `seed` is any non-negative safe integer; `label` names an independent stream under that seed. */
  constructor(seed: number, label = '') {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative safe integer, got ${seed}`);
    // splitmix32 spreads the seed and the label hash over the 128-bit state (never all zero).
    let s = (seed % 0x1_0000_0000) ^ fnv1a(label);
    const high = Math.floor(seed / 0x1_0000_0000);
    s = splitmix32(s ^ Math.imul(high, 0x9e3779b9)).next;
    const a = splitmix32(s);
    const b = splitmix32(a.next);
    const c = splitmix32(b.next);
    const d = splitmix32(c.next);
    this.#a = a.value;
    this.#b = b.value;
    this.#c = c.value;
    this.#d = d.value | 1;
    this.seed = seed;
    this.label = label;
  }

  /** An independent stream for one concern, so that drawing more numbers in one place never shifts another. */
  fork(label: string): SeededRandom {
    return new SeededRandom(this.seed, this.label === '' ? label : `${this.label}/${label}`);
  }

  /** Uniform unsigned 32-bit integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.#b, 5), 7), 9) >>> 0;
    const t = this.#b << 9;
    this.#c ^= this.#a;
    this.#d ^= this.#b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c ^= t;
    this.#d = rotl(this.#d, 11);
    return result;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  float(): number {
    return this.nextU32() / 0x1_0000_0000;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [min, max], both included. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('cannot pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  /** Index drawn with probability proportional to its weight. */
  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let x = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i] as number;
      if (x < 0) return i;
    }
    return weights.length - 1;
  }

  /**
   * Poisson-distributed count with mean `mean`. Knuth's method on slices of mean <= 30 keeps exp() away from
   * underflow; its cost grows with the mean, which is the number of things drawn anyway.
   */
  poisson(mean: number): number {
    let count = 0;
    let left = mean;
    while (left > 0) {
      const slice = Math.min(left, 30);
      left -= slice;
      const limit = Math.exp(-slice);
      let p = this.float();
      while (p > limit) {
        count++;
        p *= this.float();
      }
    }
    return count;
  }

  /** Fisher-Yates, in place. */
  shuffle(items: { length: number; [i: number]: number }): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i] as number;
      items[i] = items[j] as number;
      items[j] = t;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function splitmix32(state: number): { value: number; next: number } {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return { value: (z ^ (z >>> 16)) >>> 0, next };
}

function fnv1a(text: string): number {
  let h = LABEL_OFFSET;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
