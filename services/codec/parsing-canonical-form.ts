// Parsing Canonical Form of an Avro schema (Avro specification, "Parsing Canonical Form for Schemas"), the text
// whose CRC-64-AVRO is the schema's fingerprint in single-object encoding. Written from the specification's
// transformation rules rather than taken from avsc's schema(), so that the fingerprint does not depend on
// what one library chooses to print:
//   PRIMITIVES  {"type":"int"} becomes "int" (a logicalType or any other attribute is dropped with it);
//   FULLNAMES   every name becomes a full name, and the namespace attribute goes;
//   STRIP       only type, name, fields, symbols, items, values, size are kept (no doc, aliases, default,
//               logicalType, order);
//   ORDER       keys in the order name, type, fields, symbols, items, values, size;
//   STRINGS / INTEGERS / WHITESPACE  as JSON.stringify prints them: no escapes beyond the required ones,
//               plain integers, no whitespace.
// A named type that was already defined is written as its full name only.

const PRIMITIVES: ReadonlySet<string> = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

export function parsingCanonicalForm(schema: unknown): string {
  return canonical(schema, '', new Set());
}

function canonical(schema: unknown, namespace: string, defined: Set<string>): string {
  if (typeof schema === 'string') {
    return JSON.stringify(PRIMITIVES.has(schema) ? schema : fullName(schema, namespace));
  }
  if (Array.isArray(schema)) {
    return `[${schema.map((branch) => canonical(branch, namespace, defined)).join(',')}]`;
  }
  if (schema === null || typeof schema !== 'object') throw new Error(`not an Avro schema: ${JSON.stringify(schema)}`);
  const s = schema as Record<string, unknown>;
  const type = s.type;
  if (typeof type !== 'string') return canonical(type, namespace, defined); // {"type": <schema>}
  if (PRIMITIVES.has(type)) return JSON.stringify(type);
  switch (type) {
    case 'array':
      return `{"type":"array","items":${canonical(s.items, namespace, defined)}}`;
    case 'map':
      return `{"type":"map","values":${canonical(s.values, namespace, defined)}}`;
    case 'record':
    case 'error':
    case 'enum':
    case 'fixed':
      return namedType(s, type, namespace, defined);
    default:
      // A reference to a named type written as {"type": "Name"}.
      return JSON.stringify(fullName(type, namespace));
  }
}

function namedType(s: Record<string, unknown>, type: string, namespace: string, defined: Set<string>): string {
  if (typeof s.name !== 'string') throw new Error(`a ${type} schema needs a name`);
  const ownNamespace = typeof s.namespace === 'string' ? s.namespace : namespace;
  const name = fullName(s.name, ownNamespace);
  if (defined.has(name)) return JSON.stringify(name);
  defined.add(name);
  // Names inside a named type resolve against that type's own namespace.
  const inner = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : '';
  const head = `{"name":${JSON.stringify(name)},"type":${JSON.stringify(type)}`;
  if (type === 'enum') {
    return `${head},"symbols":${JSON.stringify(s.symbols)}}`;
  }
  if (type === 'fixed') {
    return `${head},"size":${JSON.stringify(Number(s.size))}}`;
  }
  const fields = (s.fields as readonly { name: string; type: unknown }[]).map(
    (field) => `{"name":${JSON.stringify(field.name)},"type":${canonical(field.type, inner, defined)}}`,
  );
  return `${head},"fields":[${fields.join(',')}]}`;
}

function fullName(name: string, namespace: string): string {
  return name.includes('.') || namespace === '' ? name : `${namespace}.${name}`;
}
