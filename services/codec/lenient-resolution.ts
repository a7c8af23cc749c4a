// Schema resolution from a writer schema to one of our flat record schemas, made lenient in two places where
// plain Avro resolution would fail a whole file or topic instead of one record:
//
// - Every reader field becomes ["null", T] with default null, so a writer that lacks a field, or writes null
//   into it, yields null there and validation says MISSING_FIELD for that record.
// - avsc 5.7.9 refuses to build a resolver at all when the writer's enum has a symbol the reader lacks and the
//   reader declares no default ("cannot read X as X"), and with a default it maps the symbol silently, which
//   the contract forbids. So each reader enum is widened with the writer's extra symbols, and a record carrying
//   one of them is rejected after decoding: UNDECODABLE for that record only.
import avro from 'avsc';
import type { Type } from 'avsc';
import type { RecordSchemaJson } from './schema-catalog.js';

/** avsc's resolver is opaque in its typings. */
export type AvroResolver = ReturnType<Type['createResolver']>;

export interface LenientReader {
  readonly type: Type;
  readonly resolver: AvroResolver;
  /** The name of a field holding an enum symbol the strict reader does not know, if any. */
  unknownSymbolField(record: Readonly<Record<string, unknown>>): string | undefined;
}

export class UnresolvableWriterSchema extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'UnresolvableWriterSchema';
  }
}

export function lenientReaderFor(reader: RecordSchemaJson, writer: Type): LenientReader {
  const writerEnums = enumSymbolsByName(writer);
  const guarded: { field: string; known: ReadonlySet<string> }[] = [];
  const fields = reader.fields.map((field) => {
    const branches = (Array.isArray(field.type) ? (field.type as unknown[]) : [field.type]).map((branch) => {
      const widened = widenEnum(branch, reader.namespace ?? '', writerEnums);
      if (widened !== branch) guarded.push({ field: field.name, known: new Set((branch as { symbols: string[] }).symbols) });
      return widened;
    });
    const nullable = branches.includes('null') ? ['null', ...branches.filter((b) => b !== 'null')] : ['null', ...branches];
    return { name: field.name, type: nullable, default: null };
  });
  const type = avro.Type.forSchema({ type: 'record', name: reader.name, namespace: reader.namespace, fields } as avro.Schema);
  let resolver: AvroResolver;
  try {
    resolver = type.createResolver(writer);
  } catch {
    throw new UnresolvableWriterSchema(explainMismatch(type, writer));
  }
  return {
    type,
    resolver,
    unknownSymbolField: (record) => {
      for (const g of guarded) {
        const value = record[g.field];
        if (typeof value === 'string' && !g.known.has(value)) return g.field;
      }
      return undefined;
    },
  };
}

function widenEnum(branch: unknown, namespace: string, writerEnums: ReadonlyMap<string, readonly string[]>): unknown {
  if (typeof branch !== 'object' || branch === null || (branch as { type?: unknown }).type !== 'enum') return branch;
  const e = branch as { name: string; namespace?: string; symbols: readonly string[] };
  const ns = e.namespace ?? namespace;
  const fullName = e.name.includes('.') || ns === '' ? e.name : `${ns}.${e.name}`;
  const extra = (writerEnums.get(fullName) ?? []).filter((s) => !e.symbols.includes(s));
  if (extra.length === 0) return branch;
  return { type: 'enum', name: fullName, symbols: [...e.symbols, ...extra] };
}

/** Every enum in a writer type, by full name (avsc names are already full). */
function enumSymbolsByName(type: Type): Map<string, readonly string[]> {
  const found = new Map<string, readonly string[]>();
  const seen = new Set<Type>();
  const visit = (t: Type): void => {
    if (seen.has(t)) return;
    seen.add(t);
    const inner = t as unknown as { typeName: string; name?: string; symbols?: string[]; fields?: { type: Type }[]; types?: Type[]; itemsType?: Type; valuesType?: Type; underlyingType?: Type };
    if (inner.typeName === 'enum' && inner.name !== undefined && inner.symbols) found.set(inner.name, inner.symbols);
    for (const f of inner.fields ?? []) visit(f.type);
    for (const b of inner.types ?? []) visit(b);
    if (inner.itemsType) visit(inner.itemsType);
    if (inner.valuesType) visit(inner.valuesType);
    if (inner.underlyingType) visit(inner.underlyingType);
  };
  visit(type);
  return found;
}

/** Which fields could not be resolved, named structurally (field names and schema names, no data). */
function explainMismatch(reader: Type, writer: Type): string {
  const r = reader as unknown as { name?: string; fields?: { name: string; type: Type }[] };
  const w = writer as unknown as { name?: string; typeName: string; fields?: { name: string; type: Type }[] };
  if (w.typeName !== 'record') return `writer schema is a ${w.typeName}, not the record ${r.name ?? ''}`;
  if (w.name !== r.name) return `writer record ${w.name ?? '(anonymous)'} is not ${r.name ?? ''}`;
  const bad = (r.fields ?? []).filter((rf) => {
    const wf = (w.fields ?? []).find((f) => f.name === rf.name);
    if (wf === undefined) return false;
    try {
      rf.type.createResolver(wf.type);
      return false;
    } catch {
      return true;
    }
  });
  return bad.length > 0
    ? `writer field type cannot be read as the reader's for: ${bad.map((f) => f.name).join(', ')}`
    : `writer schema ${w.name ?? ''} cannot be resolved to the reader schema`;
}
