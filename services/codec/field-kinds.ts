// What each field of a flat contract record holds, read off its Avro schema, so that the NDJSON reader and
// writer treat fields exactly as the Avro schema types them (the .avsc file stays the one source of truth).
import type { StreamName } from '../core/records.js';
import { streamSchemaJson, type RecordSchemaJson } from './schema-catalog.js';

export type FieldKind =
  | { readonly kind: 'string' | 'long' | 'timestamp' | 'boolean' }
  | { readonly kind: 'enum'; readonly symbols: readonly string[] };

export interface FieldSpec {
  readonly name: string;
  readonly nullable: boolean;
  readonly type: FieldKind;
}

const cache = new Map<StreamName, readonly FieldSpec[]>();

export function fieldSpecsFor(stream: StreamName): readonly FieldSpec[] {
  let specs = cache.get(stream);
  if (specs === undefined) {
    specs = fieldSpecsOf(streamSchemaJson(stream));
    cache.set(stream, specs);
  }
  return specs;
}

/** The names of the timestamp-millis fields of a stream, in schema order. */
export function timestampFieldsFor(stream: StreamName): readonly string[] {
  return fieldSpecsFor(stream).filter((f) => f.type.kind === 'timestamp').map((f) => f.name);
}

export function fieldSpecsOf(schema: RecordSchemaJson): readonly FieldSpec[] {
  return Object.freeze(schema.fields.map((field) => {
    const branches = Array.isArray(field.type) ? (field.type as unknown[]) : [field.type];
    const nonNull = branches.filter((b) => b !== 'null');
    if (nonNull.length !== 1) throw new Error(`field ${schema.name}.${field.name}: only T or ["null", T] unions are supported`);
    return Object.freeze({ name: field.name, nullable: nonNull.length !== branches.length, type: kindOf(nonNull[0], `${schema.name}.${field.name}`) });
  }));
}

function kindOf(type: unknown, where: string): FieldKind {
  if (type === 'string' || type === 'long' || type === 'boolean') return { kind: type };
  if (typeof type === 'object' && type !== null) {
    const t = type as { type?: unknown; logicalType?: unknown; symbols?: unknown };
    if (t.type === 'long' && t.logicalType === 'timestamp-millis') return { kind: 'timestamp' };
    if (t.type === 'long' || t.type === 'string' || t.type === 'boolean') return { kind: t.type };
    if (t.type === 'enum' && Array.isArray(t.symbols)) return { kind: 'enum', symbols: Object.freeze([...(t.symbols as string[])]) };
  }
  throw new Error(`field ${where}: type ${JSON.stringify(type)} is not one the flat-record codec handles`);
}
