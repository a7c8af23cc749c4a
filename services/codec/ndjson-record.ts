// One NDJSON line read as a contract record: the JSON types the Avro schema implies, timestamps as strict
// ISO-8601 strings or integer epoch milliseconds. Absent and null fields stay absent and null (validation then
// says MISSING_FIELD); fields the schema does not name are ignored, as Avro resolution ignores extra fields.
import type { DecodedFields } from '../core/records.js';
import type { FieldSpec } from './field-kinds.js';
import { parseIsoTimestamp } from './iso-timestamp.js';

/** Fields, or the structural reason the line is not the record (no value is ever quoted: it could be an NHS number). */
export type LineResult = DecodedFields | string;

export function ndjsonRecordParser(specs: readonly FieldSpec[]): (line: string) => LineResult {
  const checks = specs.map((spec) => ({ name: spec.name, read: fieldReader(spec) }));
  return (line) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      // JSON.parse's message quotes the text around the fault, so it is not passed on.
      return 'invalid JSON';
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'not a JSON object';
    const source = parsed as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const check of checks) {
      const value = source[check.name];
      if (value === undefined) continue;
      if (value === null) {
        out[check.name] = null;
        continue;
      }
      const read = check.read(value);
      if (read === undefined) return `field ${check.name}: ${describeExpected(specs, check.name)}`;
      out[check.name] = read;
    }
    return out;
  };
}

/** Returns the field's value in the domain's representation, or undefined when the JSON value is not of its type. */
function fieldReader(spec: FieldSpec): (value: unknown) => unknown {
  const type = spec.type;
  switch (type.kind) {
    case 'string':
      return (v) => (typeof v === 'string' ? v : undefined);
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? v : undefined);
    case 'long':
      return (v) => (Number.isSafeInteger(v) ? v : undefined);
    case 'timestamp':
      return (v) => (typeof v === 'string' ? parseIsoTimestamp(v) : Number.isSafeInteger(v) ? v : undefined);
    case 'enum': {
      const symbols = new Set(type.symbols);
      return (v) => (typeof v === 'string' && symbols.has(v) ? v : undefined);
    }
  }
}

function describeExpected(specs: readonly FieldSpec[], name: string): string {
  const type = specs.find((s) => s.name === name)?.type;
  switch (type?.kind) {
    case 'timestamp':
      return 'not a timestamp (an ISO-8601 date-time with Z or an offset, or integer epoch milliseconds)';
    case 'long':
      return 'not an integer';
    case 'enum':
      return 'not a symbol of the enum';
    default:
      return `not a ${type?.kind ?? 'value'}`;
  }
}
