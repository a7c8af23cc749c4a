// The framing of an Avro object container file (Avro specification, "Object Container Files"): a header
// (magic, metadata map, 16-byte sync marker), then blocks of (record count, byte size, records, sync marker).
import avro from 'avsc';

export const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]); // "Obj" 1
export const SYNC_SIZE = 16;

/** The codecs avsc reads without extra libraries; the replay accepts "any codec avsc reads". */
export type ContainerCodec = 'null' | 'deflate';
export const CONTAINER_CODECS: readonly ContainerCodec[] = ['null', 'deflate'];

/** The header schema the specification gives, as an avsc type. */
export const HEADER_TYPE = avro.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: SYNC_SIZE } },
  ],
});

const LONG_TYPE = avro.Type.forSchema('long');

export interface ContainerHeader {
  readonly schemaText: string;
  readonly codec: string;
  readonly sync: Buffer;
}

export function encodeHeader(header: ContainerHeader): Buffer {
  return HEADER_TYPE.toBuffer({
    magic: MAGIC,
    meta: { 'avro.schema': Buffer.from(header.schemaText, 'utf8'), 'avro.codec': Buffer.from(header.codec, 'utf8') },
    sync: header.sync,
  });
}

/** Block prefix: record count and byte size of the (possibly compressed) data, both zig-zag varint longs. */
export function encodeBlockPrefix(count: number, size: number): Buffer {
  return Buffer.concat([LONG_TYPE.toBuffer(count), LONG_TYPE.toBuffer(size)]);
}

/**
 * Reads a zig-zag varint long at `pos`. Returns undefined when the buffer ends first (more bytes needed), and
 * throws on a varint longer than ten bytes or past 2^53 (a corrupt block prefix).
 */
export function readVarLong(buf: Buffer, pos: number): { value: number; next: number } | undefined {
  let n = 0;
  let shift = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= buf.length) return undefined;
    const b = buf[pos + i] as number;
    n += (b & 0x7f) * shift;
    if ((b & 0x80) === 0) {
      if (!Number.isSafeInteger(n)) throw new Error('varint beyond the safe integer range');
      // Zig-zag: even values are non-negative.
      const value = n % 2 === 0 ? n / 2 : -(n + 1) / 2;
      return { value, next: pos + i + 1 };
    }
    shift *= 128;
  }
  throw new Error('varint longer than ten bytes');
}
