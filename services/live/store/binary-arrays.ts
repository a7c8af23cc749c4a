// One-dimensional PostgreSQL arrays without nulls in the binary form PostgreSQL receives them in (array_recv: the
// number of dimensions, a flags word, the element type's oid, each dimension's size and lower bound, then each
// element's length and bytes in its type's own binary form). node-postgres sends a Buffer parameter as binary, so
// ingest's columns go as these: no text to build in Node, none to parse in PostgreSQL, half the bytes on the wire.
// The parameter's type comes from its cast in the statement ($1::uuid[]), which must name the same element type.

const OID = { bytea: 17, int8: 20, uuid: 2950 } as const;
const HEADER = 20;
const TWO_TO_32 = 2 ** 32;

/** The array's bytes with its header written, and a view to write its elements with (a DataView writes fastest). */
function header(oid: number, count: number, elementSize: number): { buf: Buffer; view: DataView } {
  const buf = Buffer.allocUnsafe(count === 0 ? 12 : HEADER + count * (4 + elementSize));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  // No dimensions at all is the empty array (what array_send writes for one).
  view.setInt32(0, count === 0 ? 0 : 1);
  view.setInt32(4, 0);
  view.setInt32(8, oid);
  if (count > 0) {
    view.setInt32(12, count);
    view.setInt32(16, 1);
  }
  return { buf, view };
}

/** Elements given as hex digits (uuid: 32, bytea: twice its bytes), each exactly `size` bytes. */
function hexElements(oid: number, size: number, hex: readonly string[]): Buffer {
  const { buf, view } = header(oid, hex.length, size);
  let at = HEADER;
  for (const digits of hex) {
    view.setInt32(at, size);
    if (digits.length !== 2 * size || buf.write(digits, at + 4, size, 'hex') !== size) throw new Error(`not ${size} bytes in hex: ${digits.length} characters`);
    at += 4 + size;
  }
  return buf;
}

/** uuid[] of keys written as 32 hex digits (record-id-key.ts). */
export function uuidArray(hex: readonly string[]): Buffer {
  return hexElements(OID.uuid, 16, hex);
}

/** bytea[] of values of `size` bytes each, written as hex digits. */
export function byteaArray(hex: readonly string[], size: number): Buffer {
  return hexElements(OID.bytea, size, hex);
}

/**
 * int8[] of safe integers. Given any other number, the array literal instead (text, which PostgreSQL parses), so
 * that PostgreSQL refuses what a bigint cannot hold as it does for text: the caller's statement fails on it.
 */
export function int8Array(values: readonly number[]): Buffer | string {
  for (const value of values) if (!Number.isSafeInteger(value)) return `{${values.join(',')}}`;
  const { buf, view } = header(OID.int8, values.length, 8);
  let at = HEADER;
  for (const value of values) {
    // Two's complement in two words: a safe integer's high word fits an int32.
    const high = Math.floor(value / TWO_TO_32);
    view.setInt32(at, 8);
    view.setInt32(at + 4, high);
    view.setUint32(at + 8, value - high * TWO_TO_32);
    at += 12;
  }
  return buf;
}
