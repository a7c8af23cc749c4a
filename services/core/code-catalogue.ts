import type { OptOutAction, OptOutType } from './records.js';

// Which codes mean what is data (schemas/code-catalogue.json), not code. Codes match exactly, case included;
// the one normalisation is a single trailing full stop on a Read v2 code ("9Nu0." is "9Nu0").

export type CodeSystem = 'SNOMED_CT' | 'READ_V2' | 'CTV3';

export interface CatalogueEntry {
  readonly code: string;
  readonly system: CodeSystem;
  readonly type: OptOutType;
  readonly action: OptOutAction;
}

export interface CodeMeaning {
  readonly type: OptOutType;
  readonly action: OptOutAction;
}

export class CodeCatalogue {
  private readonly byCode: ReadonlyMap<string, CatalogueEntry>;

  constructor(entries: readonly CatalogueEntry[]) {
    const byCode = new Map<string, CatalogueEntry>();
    for (const entry of entries) {
      if (byCode.has(entry.code)) throw new Error(`code catalogue lists ${entry.code} twice`);
      byCode.set(entry.code, entry);
    }
    this.byCode = byCode;
  }

  /** The meaning of a code as entered, or undefined when the catalogue does not hold it. */
  lookup(code: string): CodeMeaning | undefined {
    const exact = this.byCode.get(code);
    if (exact) return exact;
    if (code.endsWith('.')) {
      const stripped = this.byCode.get(code.slice(0, -1));
      if (stripped && stripped.system === 'READ_V2') return stripped;
    }
    return undefined;
  }

  get entries(): readonly CatalogueEntry[] {
    return [...this.byCode.values()];
  }
}

const SYSTEMS: readonly CodeSystem[] = ['SNOMED_CT', 'READ_V2', 'CTV3'];

/** Parses the catalogue file's JSON value, listing every problem at once. */
export function parseCodeCatalogue(json: unknown): CodeCatalogue {
  const problems: string[] = [];
  const codes = (json as { codes?: unknown } | null)?.codes;
  if (!Array.isArray(codes)) throw new Error('code catalogue: expected an object with a "codes" array');
  const entries: CatalogueEntry[] = [];
  codes.forEach((raw: unknown, i: number) => {
    const e = raw as Partial<Record<keyof CatalogueEntry, unknown>>;
    if (typeof e?.code !== 'string' || e.code.length === 0) problems.push(`codes[${i}].code must be a non-empty string`);
    if (!SYSTEMS.includes(e?.system as CodeSystem)) problems.push(`codes[${i}].system must be one of ${SYSTEMS.join(', ')}`);
    if (e?.type !== 'TYPE_1' && e?.type !== 'TYPE_2') problems.push(`codes[${i}].type must be TYPE_1 or TYPE_2`);
    if (e?.action !== 'DISSENT' && e?.action !== 'WITHDRAWN') problems.push(`codes[${i}].action must be DISSENT or WITHDRAWN`);
    if (problems.length === 0) entries.push({ code: e.code as string, system: e.system as CodeSystem, type: e.type as OptOutType, action: e.action as OptOutAction });
  });
  if (problems.length > 0) throw new Error(`code catalogue is invalid:\n  ${problems.join('\n  ')}`);
  return new CodeCatalogue(entries);
}
