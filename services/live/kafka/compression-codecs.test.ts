// The fixtures were written by the reference tools: plain.txt.lz4 by `lz4 -B4 -BD --content-size` (64 KB blocks that
// depend on each other, a content size and a content checksum), plain.txt.zst by `zstd -19`. Batches written by
// librdkafka's producer are read end to end in test/live/compressed-input.test.ts.
import { readFileSync } from 'node:fs';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import snappy from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { lz4Uncompressed, registerCompressionCodecs, snappyUncompressed, zstdUncompressed } from './compression-codecs.js';

const fixture = (name: string) => readFileSync(new URL(`./testing/${name}`, import.meta.url));
const plain = fixture('plain.txt');

/** A xerial snappy-java stream, as the Java client writes: header, then each 32 KB chunk's length and Snappy block. */
function xerial(bytes: Buffer): Buffer {
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
  const parts = [header];
  for (let at = 0; at < bytes.length; at += 32_768) {
    const block = Buffer.from(snappy.compress(bytes.subarray(at, at + 32_768)));
    const size = Buffer.alloc(4);
    size.writeUInt32BE(block.length);
    parts.push(size, block);
  }
  return Buffer.concat(parts);
}

describe('compression codecs', () => {
  it('reads an LZ4 frame of dependent blocks with a content size and checksum, as the lz4 tool writes it', () => {
    expect(lz4Uncompressed(fixture('plain.txt.lz4')).equals(plain)).toBe(true);
  });

  it('reads a Zstandard frame, as the zstd tool writes it', () => {
    expect(zstdUncompressed(fixture('plain.txt.zst')).equals(plain)).toBe(true);
  });

  it('reads Snappy as a xerial stream of chunks (the Java client) and as one raw block', () => {
    expect(snappyUncompressed(xerial(plain)).equals(plain)).toBe(true);
    expect(snappyUncompressed(Buffer.from(snappy.compress(plain))).equals(plain)).toBe(true);
    expect(() => snappyUncompressed(xerial(plain).subarray(0, 1_000))).toThrow(/cut short/);
  });

  it('are what kafkajs finds for each type once registered', async () => {
    registerCompressionCodecs();
    const codec = (type: CompressionTypes.LZ4 | CompressionTypes.ZSTD | CompressionTypes.Snappy) => CompressionCodecs[type]() as { decompress(b: Buffer): Promise<Buffer> };
    expect((await codec(CompressionTypes.LZ4).decompress(fixture('plain.txt.lz4'))).equals(plain)).toBe(true);
    expect((await codec(CompressionTypes.ZSTD).decompress(fixture('plain.txt.zst'))).equals(plain)).toBe(true);
    expect((await codec(CompressionTypes.Snappy).decompress(xerial(plain))).equals(plain)).toBe(true);
  });
});
