// CRC-64-AVRO, the Rabin fingerprint the Avro specification defines ("Schema Fingerprints"), computed over a
// schema's Parsing Canonical Form. BigInt is plenty fast: a fingerprint is computed once per schema.
import { parsingCanonicalForm } from './parsing-canonical-form.js';

const MASK = (1n << 64n) - 1n;
const EMPTY = 0xc15d213aa4d7a795n;

const TABLE: readonly bigint[] = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i);
  for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n));
  return fp & MASK;
});

/** The 64-bit fingerprint of some bytes, as an unsigned BigInt. */
export function crc64Avro(bytes: Uint8Array): bigint {
  let fp = EMPTY;
  for (const byte of bytes) {
    fp = (fp >> 8n) ^ (TABLE[Number((fp ^ BigInt(byte)) & 0xffn)] as bigint);
  }
  return fp;
}

/** CRC-64-AVRO of a schema (JSON value or JSON text) in Parsing Canonical Form. */
export function schemaFingerprint(schema: unknown): bigint {
  const json: unknown = typeof schema === 'string' && isJsonText(schema) ? JSON.parse(schema) : schema;
  return crc64Avro(Buffer.from(parsingCanonicalForm(json), 'utf8'));
}

/** The eight bytes single-object encoding carries: the fingerprint little-endian. */
export function fingerprintBytes(fingerprint: bigint): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(fingerprint);
  return out;
}

export function formatFingerprint(fingerprint: bigint): string {
  return `0x${fingerprint.toString(16).padStart(16, '0')}`;
}

// A bare primitive name such as "int" is a schema too; only text that looks like JSON is parsed.
function isJsonText(text: string): boolean {
  const first = text.trimStart()[0];
  return first === '{' || first === '[' || first === '"';
}
