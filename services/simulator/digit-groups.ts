// Zero-padded decimal digits from lookup tables. Ids and NHS numbers are formatted tens of millions of times in a
// large run; String(n).padStart costs about seven times as much.

const FOUR = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, '0'));
const THREE = FOUR.slice(0, 1000).map((s) => s.slice(1));
const TWO = FOUR.slice(0, 100).map((s) => s.slice(2));

/** `n` in [0, 10^7) as seven digits. */
export function sevenDigits(n: number): string {
  return (THREE[Math.floor(n / 10_000)] as string) + (FOUR[n % 10_000] as string);
}

/** `n` in [0, 10^10) as ten digits. */
export function tenDigits(n: number): string {
  return (TWO[Math.floor(n / 100_000_000)] as string) + (FOUR[Math.floor(n / 10_000) % 10_000] as string) + (FOUR[n % 10_000] as string);
}
