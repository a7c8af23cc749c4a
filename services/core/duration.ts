const UNITS: Record<string, bigint> = { ms: 1n, s: 1_000n, m: 60_000n, h: 3_600_000n, d: 86_400_000n };

/** What the refusals end with: the forms a duration takes. */
export const DURATION_EXAMPLES = 'e.g. 72h, 1.5h, 90m, 30s, 1500ms, 0.5d';

export type DurationReading = { readonly ms: number } | { readonly refused: string };

/**
 * Reads a duration such as `72h`, `1.5h`, `90m`, `1500ms` or `0.5d`: a number (decimals allowed) and one unit.
 * The value must come to a whole number of milliseconds (`1.5h` does; `0.0001s` does not) and is computed in
 * exact decimal arithmetic, never in floating point, so `1.1s` is 1100 ms, not 1100.0000000000002.
 * `refused` completes a sentence that starts with the setting and its text: "--sla '1.5w' <refused>".
 */
export function readDuration(text: string): DurationReading {
  const m = /^(\d+)(?:\.(\d+))?(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) return { refused: `is not a duration (${DURATION_EXAMPLES})` };
  const fraction = m[2] ?? '';
  const scale = 10n ** BigInt(fraction.length);
  const scaled = (BigInt(m[1]!) * scale + BigInt(fraction || '0')) * UNITS[m[3]!]!;
  if (scaled % scale !== 0n) return { refused: 'is not a whole number of milliseconds' };
  const ms = scaled / scale;
  if (ms > BigInt(Number.MAX_SAFE_INTEGER)) return { refused: 'is too long a duration' };
  return { ms: Number(ms) };
}

/** The duration in milliseconds, or undefined when `readDuration` refuses it. */
export function parseDuration(text: string): number | undefined {
  const reading = readDuration(text);
  return 'ms' in reading ? reading.ms : undefined;
}
