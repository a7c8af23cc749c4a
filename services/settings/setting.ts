// A setting as one row of a declarative table: its environment variable, its flag if it has one, its default, the
// parser of its text, one line of documentation, and where its value goes in the command's configuration. The
// help text, the commander options, the README's settings table (checked by a test) and the reading of the
// environment all derive from the rows, so adding a setting is adding a row. The types below make the compiler
// check that a row's path names a field of the configuration and that its parser yields that field's type.

/** A setting's value, or what is wrong with its text. */
export type Parsed<T> = { readonly value: T } | { readonly problems: readonly string[] };

/** Turns a setting's text (trimmed) into its value; `label` (the variable) names the setting in a problem. */
export type Parser<T> = (text: string, label: string) => Parsed<T>;

export interface Setting<V = unknown, P extends string = string> {
  /** The environment variable. */
  readonly env: string;
  /** commander's flag, `--name <arg>` (or `--name` for a switch); a flag wins over its variable. */
  readonly flag?: string;
  /** The text taken when the setting is not given, parsed like a given one. */
  readonly default?: string;
  /** Refused when not given. */
  readonly required?: boolean;
  /** What the README and the help say for the default when it is not one fixed text (`none` otherwise). */
  readonly defaultDoc?: string;
  /** One line, in Markdown: the README's and the help's description. */
  readonly doc: string;
  readonly parse: Parser<V>;
  /** Where the value goes in the configuration: a dotted path of field names. */
  readonly to: P;
}

/** A row, with its path kept as a literal type. */
export function setting<V, const P extends string>(row: Setting<V, P>): Setting<V, P> {
  return row;
}

type Prefixed<Pre extends string, R> = R extends Setting<infer V, infer P> ? Setting<V, `${Pre}.${P}`> : never;

/** Rows whose values go under one field of a configuration (shared rows take the field name of each command). */
export function under<const Pre extends string, R extends Setting<unknown, string>>(prefix: Pre, rows: readonly R[]): Prefixed<Pre, R>[] {
  return rows.map((row) => ({ ...row, to: `${prefix}.${row.to}` })) as unknown as Prefixed<Pre, R>[];
}

type Leaf = string | number | boolean | null | readonly string[];

/** Every dotted path to a leaf of C, through nullable objects and each member of a union. */
export type ConfigPath<C> = C extends Leaf ? never : {
  [K in keyof C & string]: NonNullable<C[K]> extends Leaf ? K : `${K}.${ConfigPath<NonNullable<C[K]>>}`;
}[keyof C & string];

/** The type of the field of C at a dotted path. */
export type ValueAt<C, P extends string> = C extends Leaf ? never
  : P extends `${infer K}.${infer Rest}` ? (K extends keyof C ? ValueAt<NonNullable<C[K]>, Rest> : never)
    : P extends keyof C ? C[P] : never;

/** A row that fits C: its path is a field of C, and its parser yields that field's type. */
export type RowOf<C> = { [P in ConfigPath<C>]: Setting<NonNullable<ValueAt<C, P>>, P> }[ConfigPath<C>];

type Unmapped<C, T extends readonly Setting[]> = Exclude<ConfigPath<C>, T[number]['to']>;

/** `true` when every field of C has a row in T; otherwise names the fields without one, as a type error. */
export type EveryFieldHasARow<C, T extends readonly Setting[]> = [Unmapped<C, T>] extends [never] ? true : { readonly withoutARow: Unmapped<C, T> };
