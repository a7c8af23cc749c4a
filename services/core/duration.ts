const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a duration such as `72h`, `90m`, `1500ms` or `3d` into milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) return undefined;
  const value = Number(m[1]) * UNITS[m[2]!]!;
  return Number.isSafeInteger(value) ? value : undefined;
}
