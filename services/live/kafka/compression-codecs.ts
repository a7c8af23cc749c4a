// The record-batch compressions Kafka producers use besides gzip (which kafkajs has): Snappy, LZ4 and Zstandard.
// kafkajs ships none of them, and a consumer that meets one fails its fetch for good, so an estate whose producers
// compress with lz4 or zstd could not be read at all. They are registered with kafkajs once, before any client
// is made. Decompression is what the service needs; it produces its own topics uncompressed.
//
// Pure JavaScript, so an image needs no native build: snappyjs, lz4js (LZ4 frames, as Kafka writes them from
// message format 1) and fzstd (decompression only).
import kafkajs from 'kafkajs';
import lz4 from 'lz4js';
import snappy from 'snappyjs';
import { decompress as zstdDecompress } from 'fzstd';

// kafkajs is CommonJS and Node's ES-module loader does not find these two among its named exports.
const { CompressionCodecs, CompressionTypes } = kafkajs;

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/** The framing the Java client's Snappy stream (xerial snappy-java) writes: this header, then length-prefixed chunks. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

/** Snappy as Kafka clients write it: a xerial stream (the Java client) or one raw Snappy block (librdkafka may). */
export function snappyUncompressed(buffer: Buffer): Buffer {
  if (buffer.length < XERIAL_HEADER_BYTES || !buffer.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) {
    return Buffer.from(snappy.uncompress(buffer));
  }
  const chunks: Buffer[] = [];
  let at = XERIAL_HEADER_BYTES;
  while (at < buffer.length) {
    if (at + 4 > buffer.length) throw new Error('snappy: a xerial chunk length is cut short');
    const size = buffer.readUInt32BE(at);
    at += 4;
    if (at + size > buffer.length) throw new Error('snappy: a xerial chunk is cut short');
    chunks.push(Buffer.from(snappy.uncompress(buffer.subarray(at, at + size))));
    at += size;
  }
  return Buffer.concat(chunks);
}

export function lz4Uncompressed(buffer: Buffer): Buffer {
  const out = lz4.decompress(buffer) as Uint8Array;
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

export function zstdUncompressed(buffer: Buffer): Buffer {
  const out = zstdDecompress(buffer);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

const CODECS: Readonly<Record<'Snappy' | 'LZ4' | 'ZSTD', Codec>> = {
  Snappy: {
    compress: async ({ buffer }) => Buffer.from(snappy.compress(buffer)),
    decompress: async (buffer) => snappyUncompressed(buffer),
  },
  LZ4: {
    compress: async ({ buffer }) => Buffer.from(lz4.compress(buffer) as Uint8Array),
    decompress: async (buffer) => lz4Uncompressed(buffer),
  },
  ZSTD: {
    compress: async () => { throw new Error('zstd: this service reads zstd batches and does not write them'); },
    decompress: async (buffer) => zstdUncompressed(buffer),
  },
};

/** Registers the codecs with kafkajs (its registry is process-wide); calling it again changes nothing. */
export function registerCompressionCodecs(): void {
  for (const [name, codec] of Object.entries(CODECS) as [keyof typeof CODECS, Codec][]) {
    CompressionCodecs[CompressionTypes[name]] = () => codec;
  }
}
