import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeflateRaw, deflateRawSync } from 'node:zlib';
import avro from 'avsc';
import { afterAll, describe, expect, it } from 'vitest';
import type { GpOptOutEvent } from '../core/records.js';
import { readAvroContainer } from './container-reader.js';
import { encodeBlockPrefix, encodeHeader } from './container-format.js';
import type { ReadItem } from '../core/read-item.js';
import { readNdjson } from './ndjson-reader.js';
import { DEFAULT_READ_LIMITS, type ReadLimits } from './read-limits.js';
import { streamSchemaJson } from './schema-catalog.js';

const dir = mkdtempSync(join(tmpdir(), 'read-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MIB = 1 << 20;
const gpType = avro.Type.forSchema(streamSchemaJson('gpEvents') as unknown as avro.Schema);
const event = (i: number, over: Partial<GpOptOutEvent> = {}): GpOptOutEvent => ({
  eventId: `gp-${i}`, nhsNumber: '9990000018', practiceOds: 'A81001', supplier: 'TPP', code: '9Nu0', recordedAt: 1_514_764_800_000 + i, ...over,
});
const limits = (over: Partial<ReadLimits>): ReadLimits => ({ ...DEFAULT_READ_LIMITS, ...over });

async function collect(items: AsyncIterable<ReadItem>): Promise<ReadItem[]> {
  const out: ReadItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const errorOf = (item: ReadItem | undefined) => (item !== undefined && 'error' in item ? item.error : null);

/** Writes `chunks` to a file through a stream, so that a large file is never whole in the test's memory. */
async function streamTo(path: string, chunks: Iterable<string | Buffer>): Promise<void> {
  const out = createWriteStream(path);
  for (const chunk of chunks) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'close');
}

describe('NDJSON line and record limits', () => {
  it('drops a line longer than --max-line-bytes without holding it: one dead letter, the lines after it read', async () => {
    // 48 MiB without a newline, written as a stream; the limit is 1 MiB.
    const path = join(dir, 'long-line.ndjson');
    const piece = 'x'.repeat(MIB);
    await streamTo(path, (function* () {
      yield `${JSON.stringify(event(1))}\n{"eventId":"`;
      for (let i = 0; i < 48; i++) yield piece;
      yield `"}\n${JSON.stringify(event(3))}\n`;
    })());
    const items = await collect(readNdjson(path, 'gpEvents', limits({ maxLineBytes: MIB })));
    expect(items.map((i) => i.position)).toEqual([1, 2, 3]);
    expect('fields' in items[0]! && items[0].fields.eventId).toBe('gp-1');
    expect(errorOf(items[1])).toBe(`the line is longer than ${MIB} bytes (--max-line-bytes); it was not read`);
    expect('fields' in items[2]! && items[2].fields.eventId).toBe('gp-3');
  });

  it('drops an over-long last line that has no newline', async () => {
    const path = join(dir, 'long-tail.ndjson');
    await streamTo(path, [`${JSON.stringify(event(1))}\n`, 'y'.repeat(3 * MIB)]);
    const items = await collect(readNdjson(path, 'gpEvents', limits({ maxLineBytes: MIB })));
    expect(items.map((i) => [i.position, errorOf(i)])).toEqual([[1, null], [2, expect.stringContaining('--max-line-bytes')]]);
  });

  it('reads a line of exactly the limit in bytes, and refuses one byte more, counting bytes, not characters', async () => {
    // A line of exactly 600 bytes: a supplier of one-, two- or three-byte characters, padded with spaces.
    const at = (bytes: number, filler: string) => {
      const base = Buffer.byteLength(JSON.stringify(event(1, { supplier: '' })));
      const text = JSON.stringify(event(1, { supplier: filler.repeat(Math.floor((bytes - base) / Buffer.byteLength(filler))) }));
      return text + ' '.repeat(bytes - Buffer.byteLength(text));
    };
    for (const filler of ['a', 'é', '€']) {
      const padded = at(600, filler);
      expect(Buffer.byteLength(padded)).toBe(600);
      const over = `${padded} `;
      const items = await collect(readNdjson(await file(`${padded}\n${over}\n`), 'gpEvents', limits({ maxLineBytes: 600, maxRecordBytes: 600 })));
      expect(items.map(errorOf)).toEqual([null, `the line is longer than 600 bytes (--max-line-bytes); it was not read`]);
    }
  });

  it('refuses a line within the line limit but over --max-record-bytes, and reads on', async () => {
    const big = JSON.stringify(event(2, { code: 'c'.repeat(700) }));
    const items = await collect(readNdjson(await file(`${JSON.stringify(event(1))}\n${big}\n${JSON.stringify(event(3))}\n`), 'gpEvents', limits({ maxLineBytes: 4096, maxRecordBytes: 512 })));
    expect(items.map(errorOf)).toEqual([null, 'the record is larger than 512 bytes (--max-record-bytes)', null]);
  });
});

let fileNo = 0;
async function file(text: string, ext = 'ndjson'): Promise<string> {
  const path = join(dir, `f${fileNo++}.${ext}`);
  writeFileSync(path, text);
  return path;
}

/** An Avro container (deflate or null) with the given blocks, each a record count and its (stored) bytes. */
async function container(path: string, codec: 'null' | 'deflate', blocks: Iterable<{ count: number; chunks: Iterable<Buffer>; size: number }>): Promise<void> {
  const sync = Buffer.alloc(16, 7);
  await streamTo(path, (function* () {
    yield encodeHeader({ schemaText: JSON.stringify(streamSchemaJson('gpEvents')), codec, sync });
    for (const block of blocks) {
      yield encodeBlockPrefix(block.count, block.size);
      yield* block.chunks;
      yield sync;
    }
  })());
}

function recordsBlock(records: GpOptOutEvent[]): { count: number; chunks: Buffer[]; size: number } {
  const data = Buffer.concat(records.map((r) => gpType.toBuffer(r)));
  return { count: records.length, chunks: [data], size: data.length };
}

/** Deflates `bytes` zero bytes through a stream, never holding them: a deflate bomb of about bytes/1000. */
async function deflatedZeros(bytes: number): Promise<Buffer> {
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  const zeros = Buffer.alloc(MIB);
  for (let left = bytes; left > 0; left -= MIB) if (!deflate.write(zeros)) await once(deflate, 'drain');
  deflate.end();
  await once(deflate, 'end');
  return Buffer.concat(out);
}

function deflated(records: GpOptOutEvent[]): { count: number; chunks: Buffer[]; size: number } {
  const packed = deflateRawSync(recordsBlock(records).chunks[0]!);
  return { count: records.length, chunks: [packed], size: packed.length };
}

describe('Avro block and record limits', () => {
  it('stops inflating a deflate bomb at --max-block-bytes (the default): one dead letter, the next block read', async () => {
    const bomb = await deflatedZeros(256 * MIB);
    expect(bomb.length).toBeLessThan(MIB);
    const path = join(dir, 'bomb.avro');
    await container(path, 'deflate', [deflated([event(1)]), { count: 1000, chunks: [bomb], size: bomb.length }, deflated([event(1002), event(1003)])]);
    const items = await collect(readAvroContainer(path, 'gpEvents'));
    expect(items.map((i) => i.position)).toEqual([1, 2, 1002, 1003]);
    expect(errorOf(items[1])).toBe(`a block of 1000 records is larger than ${64 * MIB} bytes once inflated (--max-block-bytes); its records were not read`);
    expect(items.filter((i) => 'fields' in i).map((i) => 'fields' in i && i.fields.eventId)).toEqual(['gp-1', 'gp-1002', 'gp-1003']);
  });

  it('skips a block stored larger than the limit without holding it, and reads the blocks around it', async () => {
    const path = join(dir, 'big-block.avro');
    const big = recordsBlock(Array.from({ length: 200 }, (_, i) => event(i + 2)));
    expect(big.size).toBeGreaterThan(4096);
    await container(path, 'null', [recordsBlock([event(1)]), big, recordsBlock([event(202)])]);
    const items = await collect(readAvroContainer(path, 'gpEvents', limits({ maxBlockBytes: 4096 })));
    expect(items.map((i) => [i.position, errorOf(i)])).toEqual([
      [1, null], [2, 'a block of 200 records is larger than 4096 bytes as stored (--max-block-bytes); its records were not read'], [202, null],
    ]);
    // At the limit exactly, the same block is read.
    const exact = await collect(readAvroContainer(path, 'gpEvents', limits({ maxBlockBytes: big.size })));
    expect(exact.filter((i) => 'error' in i)).toEqual([]);
    expect(exact).toHaveLength(202);
  });

  it('refuses a record over --max-record-bytes and reads the rest of its block', async () => {
    const path = join(dir, 'big-record.avro');
    const records = [event(1), event(2, { code: 'c'.repeat(600) }), event(3)];
    await container(path, 'null', [recordsBlock(records)]);
    const size = gpType.toBuffer(records[1]!).length;
    const over = await collect(readAvroContainer(path, 'gpEvents', limits({ maxRecordBytes: size - 1 })));
    expect(over.map(errorOf)).toEqual([null, `the record is larger than ${size - 1} bytes (--max-record-bytes)`, null]);
    const at = await collect(readAvroContainer(path, 'gpEvents', limits({ maxRecordBytes: size })));
    expect(at.map(errorOf)).toEqual([null, null, null]);
  });

  it('reads a zero-byte .avro file as an input with no records', async () => {
    expect(await collect(readAvroContainer(await file('', 'avro'), 'gpEvents'))).toEqual([]);
  });
});
