// Reads a table of settings from the environment and commander's flag values. A value is parsed when asked for,
// so a setting that does not apply (a registry setting with nothing in the confluent encoding) is never judged;
// problems are listed in the table's order, each under the setting it concerns, whatever order they were found in.
import type { Setting } from './setting.js';

export type Env = Readonly<Record<string, string | undefined>>;
export type FlagValues = Readonly<Record<string, unknown>>;

/** commander's key of a flag's value: `--client-id <id>` is `clientId`. */
export function flagKey(flag: string): string {
  return flagName(flag).slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The flag without its argument: `--client-id`. */
export function flagName(flag: string): string {
  return flag.split(' ')[0]!;
}

/** How a missing setting is named: its variable, and its flag when it has one (either gives it). */
export function labelOf(row: Setting): string {
  return row.flag === undefined ? row.env : `${row.env} (${flagName(row.flag)})`;
}

export class SettingsReader {
  readonly warnings: string[] = [];
  private readonly found = new Map<string, string[]>();
  private readonly values = new Map<string, unknown>();

  constructor(private readonly table: readonly Setting[], private readonly env: Env, private readonly flags: FlagValues) {}

  /** The text given by flag or variable (trimmed; an empty variable is not given), if any. */
  text(row: Setting): string | undefined {
    const flag = row.flag === undefined ? undefined : this.flags[flagKey(row.flag)];
    if (flag === true) return 'true';
    if (typeof flag === 'string') return flag.trim();
    const value = this.env[row.env]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  /** True when the flag gave the text (a flag shows in the process list). */
  fromFlag(row: Setting): boolean {
    return row.flag !== undefined && this.flags[flagKey(row.flag)] !== undefined;
  }

  given(row: Setting): boolean {
    return this.text(row) !== undefined;
  }

  /** The value given, or the default's; null when neither is there (a problem when required) or it is refused. */
  get<V>(row: Setting<V>): V | null {
    if (this.values.has(row.env)) return this.values.get(row.env) as V | null;
    const value = this.parse(row);
    this.values.set(row.env, value);
    return value;
  }

  private parse<V>(row: Setting<V>): V | null {
    const text = this.text(row) ?? row.default;
    if (text === undefined) {
      if (row.required === true) this.problem(row, `${labelOf(row)} is required`);
      return null;
    }
    const parsed = row.parse(text, row.env);
    if ('value' in parsed) return parsed.value;
    for (const problem of parsed.problems) this.problem(row, problem);
    return null;
  }

  /** A problem, listed with the setting it concerns. */
  problem(row: Setting | string, message: string): void {
    const env = typeof row === 'string' ? row : row.env;
    this.found.set(env, [...(this.found.get(env) ?? []), message]);
  }

  /** Every problem, in the table's order. */
  problems(): string[] {
    const order = this.table.map((row) => row.env);
    const tags = [...this.found.keys()].sort((a, b) => rank(order, a) - rank(order, b));
    return tags.flatMap((tag) => this.found.get(tag)!);
  }

  /**
   * The value of every row, each at its path, except those under the paths in `except` (which the command
   * assembles itself: a choice between shapes, a part that is null when unused).
   */
  build(except: readonly string[] = []): Record<string, unknown> {
    const root: Record<string, unknown> = {};
    for (const row of this.table) {
      if (except.some((path) => row.to === path || row.to.startsWith(`${path}.`))) continue;
      const keys = row.to.split('.');
      let node = root;
      for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
      node[keys.at(-1)!] = this.get(row);
    }
    return root;
  }
}

function rank(order: readonly string[], env: string): number {
  const at = order.indexOf(env);
  return at === -1 ? order.length : at;
}
