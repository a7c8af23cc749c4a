// Every string that reaches the page goes through here: report fields come from input files, and an input
// file can hold anything.
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value: string | number | null | undefined): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Whole numbers the way the page prints them: 1,234. */
export function count(n: number): string {
  return n.toLocaleString('en-GB');
}
