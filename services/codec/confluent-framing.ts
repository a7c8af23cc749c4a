// The Confluent Schema Registry wire format (Confluent's documentation, "Wire format"): a magic byte 0, the writer
// schema's registry id as 4 big-endian bytes, then the Avro binary body. The id is only a reference: the writer
// schema itself is fetched from the registry (confluent-decoder.ts).

export const CONFLUENT_MAGIC_BYTE = 0;
export const CONFLUENT_HEADER_SIZE = 5;
/** Registry ids are positive 32-bit integers. */
export const MAX_SCHEMA_ID = 0x7fff_ffff;

export type ConfluentHeader =
  | { readonly ok: true; readonly schemaId: number }
  | { readonly ok: false; readonly detail: string };

/** The header of one value, or why it is not one: structural details only, never the bytes. */
export function readConfluentHeader(bytes: Uint8Array): ConfluentHeader {
  if (bytes.length < CONFLUENT_HEADER_SIZE) return { ok: false, detail: 'shorter than the Confluent header (5 bytes)' };
  if (bytes[0] !== CONFLUENT_MAGIC_BYTE) return { ok: false, detail: 'no Confluent magic byte 0' };
  const schemaId = ((bytes[1]! << 24) | (bytes[2]! << 16) | (bytes[3]! << 8) | bytes[4]!) >>> 0;
  if (schemaId === 0 || schemaId > MAX_SCHEMA_ID) return { ok: false, detail: `schema id ${schemaId} is not a registry id` };
  return { ok: true, schemaId };
}

/** The 5-byte header for a registry id. */
export function confluentHeader(schemaId: number): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 1 || schemaId > MAX_SCHEMA_ID) throw new RangeError(`schema id ${schemaId} is not a registry id`);
  const header = Buffer.alloc(CONFLUENT_HEADER_SIZE);
  header[0] = CONFLUENT_MAGIC_BYTE;
  header.writeUInt32BE(schemaId, 1);
  return header;
}
