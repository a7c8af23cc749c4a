const UNITS: Record<string, number> = { '': 1, B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** Parses a size such as `65536`, `64KiB`, `64MiB` or `1GiB` into bytes; undefined when it is not one. */
export function parseByteSize(text: string): number | undefined {
  const m = /^(\d+)(B|KiB|MiB|GiB)?$/.exec(text.trim());
  if (!m) return undefined;
  const value = Number(m[1]) * UNITS[m[2] ?? '']!;
  return Number.isSafeInteger(value) ? value : undefined;
}

/** A size the way the flags take it: whole mebibytes or kibibytes when it is one, bytes otherwise. */
export function formatByteSize(bytes: number): string {
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024}KiB`;
  return `${bytes}`;
}
