import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAvroContainer, readAvroContainer } from './container-reader.js';
import type { ReadItem } from '../core/read-item.js';
import { openAvroWriterWithSchema, openRecordWriter } from './record-writer.js';
import { streamSchemaJson } from './schema-catalog.js';
import type { GpOptOutEvent, NdsDissemination, Purpose } from '../core/records.js';

const dir = mkdtempSync(join(tmpdir(), 'container-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NHS = ['9990000018', '9990000026', '9990000034'];
const gpEvent = (i: number): GpOptOutEvent => ({
  eventId: `gp-${i}`, nhsNumber: NHS[i % 3] as string, practiceOds: 'A81001', supplier: 'TPP', code: '827241000000103', recordedAt: 1_514_764_800_000 + i * 1000,
});

async function writeGp(path: string, n: number, codec: 'null' | 'deflate'): Promise<void> {
  const writer = openRecordWriter('gpEvents', path, 'avro', { codec });
  for (let i = 0; i < n; i++) {
    const pending = writer.write(gpEvent(i));
    if (pending) await pending;
  }
  await writer.close();
}

/** Writes a file with avsc's own container encoder, to check the reader against another writer. */
async function writeWithAvsc(path: string, records: readonly object[], opts: object): Promise<void> {
  const encoder = new avro.streams.BlockEncoder(avro.Type.forSchema(streamSchemaJson('gpEvents') as avro.Schema), opts);
  const out = createWriteStream(path);
  encoder.pipe(out);
  for (const record of records) encoder.write(record);
  encoder.end();
  await once(out, 'close');
}

async function collect(items: AsyncIterable<ReadItem>): Promise<ReadItem[]> {
  const out: ReadItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Byte offsets of the sync marker occurrences after the header (i.e. the ends of blocks). */
function blockEnds(bytes: Buffer): number[] {
  const header = avro.Type.forSchema({ type: 'record', name: 'H', fields: [
    { name: 'magic', type: { type: 'fixed', name: 'M', size: 4 } }, { name: 'meta', type: { type: 'map', values: 'bytes' } }, { name: 'sync', type: { type: 'fixed', name: 'S', size: 16 } },
  ] }).decode(bytes, 0) as { value: { sync: Buffer }; offset: number };
  const ends: number[] = [];
  for (let at = bytes.indexOf(header.value.sync, header.offset); at >= 0; at = bytes.indexOf(header.value.sync, at + 16)) ends.push(at);
  return ends;
}

describe('container reader', () => {
  it.each(['null', 'deflate'] as const)('streams every record of a multi-block %s file, 1-based positions, values intact', async (codec) => {
    const path = join(dir, `gp-${codec}.avro`);
    const n = 20_000;
    await writeGp(path, n, codec);
    expect(blockEnds(readFileSync(path)).length).toBeGreaterThan(3);
    const items = await collect(readAvroContainer(path, 'gpEvents'));
    expect(items).toHaveLength(n);
    items.forEach((item, i) => {
      expect(item.position).toBe(i + 1);
      if ('fields' in item) expect({ ...item.fields }).toEqual(gpEvent(i));
      else expect.unreachable(item.error);
    });
  });

  it('reads files avsc itself writes (its own block size and sync marker)', async () => {
    const path = join(dir, 'by-avsc.avro');
    await writeWithAvsc(path, Array.from({ length: 3000 }, (_, i) => gpEvent(i)), { codec: 'deflate' });
    const items = await collect(readAvroContainer(path, 'gpEvents'));
    expect(items.map((i) => ('fields' in i ? i.fields.eventId : i.error))).toEqual(Array.from({ length: 3000 }, (_, i) => `gp-${i}`));
  });

  it('an unknown enum symbol fails that record only, in the middle of a multi-block file', async () => {
    const schema = streamSchemaJson('ndsDisseminations');
    const writerSchema = { ...schema, fields: schema.fields.map((f) => (f.name === 'purpose' ? { ...f, type: { type: 'enum', name: 'optout.v1.Purpose', symbols: ['DIRECT_CARE', 'PLANNING', 'RESEARCH', 'OTHER', 'MARKETING'] } } : f)) };
    const path = join(dir, 'marketing.avro');
    const writer = openAvroWriterWithSchema(path, writerSchema, { codec: 'deflate' });
    const purposes: (Purpose | 'MARKETING')[] = ['DIRECT_CARE', 'PLANNING', 'RESEARCH', 'OTHER'];
    const n = 10_000;
    const foreignAt = new Set([1, 5000, 5001, n]);
    for (let i = 1; i <= n; i++) {
      const share: Omit<NdsDissemination, 'purpose'> & { purpose: string } = {
        disseminationId: `ds-${i}`, nhsNumber: NHS[0] as string, recipient: 'R', purpose: foreignAt.has(i) ? 'MARKETING' : (purposes[i % 4] as string), sharedAt: i,
      };
      await writer.write(share);
    }
    await writer.close();
    const items = await collect(readAvroContainer(path, 'ndsDisseminations'));
    expect(items).toHaveLength(n);
    for (const item of items) {
      if (foreignAt.has(item.position)) expect(item).toEqual({ position: item.position, error: 'enum symbol not known to the reader in field purpose' });
      else expect('fields' in item && item.fields.purpose).toBe(purposes[item.position % 4]);
    }
  });

  it('a writer schema that cannot be resolved makes every record an error item, so all are counted', async () => {
    const schema = streamSchemaJson('gpEvents');
    const wrong = { ...schema, fields: schema.fields.map((f) => (f.name === 'nhsNumber' ? { ...f, type: 'long' } : f)) };
    const path = join(dir, 'wrong-type.avro');
    const writer = openAvroWriterWithSchema(path, wrong);
    for (let i = 0; i < 5; i++) await writer.write({ ...gpEvent(i), nhsNumber: 9990000018 + i });
    await writer.close();
    const items = await collect(readAvroContainer(path, 'gpEvents'));
    expect(items.map((i) => i.position)).toEqual([1, 2, 3, 4, 5]);
    for (const item of items) {
      expect('error' in item && item.error).toContain('nhsNumber');
      expect('error' in item && item.error).not.toContain('99900000');
    }
  });

  describe('a corrupt block yields one error item and ends the file', () => {
    const n = 20_000;
    const clean = join(dir, 'clean.avro');
    const cleanDeflate = join(dir, 'clean-deflate.avro');
    beforeAll(async () => {
      await writeGp(clean, n, 'null');
      await writeGp(cleanDeflate, n, 'deflate');
    });

    async function readCorrupted(source: string, name: string, corrupt: (bytes: Buffer, ends: number[]) => Buffer): Promise<ReadItem[]> {
      const bytes = readFileSync(source);
      const path = join(dir, name);
      writeFileSync(path, corrupt(Buffer.from(bytes), blockEnds(bytes)));
      return collect(readAvroContainer(path, 'gpEvents'));
    }

    function expectGoodThenOneError(items: ReadItem[], pattern: RegExp): void {
      const last = items[items.length - 1] as ReadItem;
      expect('error' in last && last.error).toMatch(pattern);
      expect(last.position).toBe(items.length);
      items.slice(0, -1).forEach((item, i) => expect('fields' in item && item.fields.eventId).toBe(`gp-${i}`));
    }

    it('a damaged sync marker', async () => {
      const items = await readCorrupted(clean, 'bad-sync.avro', (b, ends) => {
        const at = (ends[1] as number) + 3;
        b[at] = (b[at] as number) ^ 0xff;
        return b;
      });
      expectGoodThenOneError(items, /corrupt block: sync marker mismatch/);
      expect(items.length).toBeGreaterThan(1);
      expect(items.length).toBeLessThan(n);
    });

    it('a file cut short inside a block', async () => {
      const items = await readCorrupted(clean, 'cut.avro', (b, ends) => b.subarray(0, (ends[2] as number) - 100));
      expectGoodThenOneError(items, /the file ends inside a block/);
    });

    it('deflate data that does not inflate', async () => {
      const items = await readCorrupted(cleanDeflate, 'bad-deflate.avro', (b, ends) => { b.fill(0xff, (ends[0] as number) + 40, (ends[0] as number) + 80); return b; });
      expectGoodThenOneError(items, /corrupt block: (the block does not inflate|record)/);
    });

    it('a record that cannot be read inside an intact block', async () => {
      // An absurd string length in the first record of the second block (null codec: bytes as written).
      const items = await readCorrupted(clean, 'bad-record.avro', (b, ends) => {
        let at = (ends[0] as number) + 16;
        while ((b[at] as number) & 0x80) at++; // record count
        at++;
        while ((b[at] as number) & 0x80) at++; // byte size
        at++;
        b[at] = 0xfe; // first string's length: a huge varint, running past the block
        b[at + 1] = 0xff;
        b[at + 2] = 0x7f;
        return b;
      });
      expectGoodThenOneError(items, /corrupt block: record \d+ (runs past the end of its block|cannot be read)/);
    });
  });

  it('rejects a missing file and a file that is not a container, with one-line messages naming the path', async () => {
    const missing = join(dir, 'missing.avro');
    await expect(openAvroContainer(missing, 'gpEvents')).rejects.toThrow(`input file not found: ${missing}`);
    await expect(collect(readAvroContainer(missing, 'gpEvents'))).rejects.toThrow('not found');
    const text = join(dir, 'text.avro');
    writeFileSync(text, '{"eventId":"x"}\n');
    await expect(openAvroContainer(text, 'gpEvents')).rejects.toThrow(/^not an Avro object container file \(no Obj1 magic\): .*text\.avro$/);
    const headerOnly = join(dir, 'header-only.avro');
    writeFileSync(headerOnly, Buffer.from('Obj\x01\x04', 'latin1'));
    await expect(openAvroContainer(headerOnly, 'gpEvents')).rejects.toThrow(/not an Avro object container file/);
  });

  it('rejects a codec avsc does not read without extra libraries', async () => {
    const path = join(dir, 'snappy.avro');
    await writeWithAvsc(path, [gpEvent(0)], { codec: 'snappy', codecs: { snappy: (buf: Buffer, cb: (e: null, b: Buffer) => void) => cb(null, buf) } });
    await expect(openAvroContainer(path, 'gpEvents')).rejects.toThrow(/codec "snappy" is not supported/);
  });

  it('an empty container (header only) has no items', async () => {
    const path = join(dir, 'empty.avro');
    await openRecordWriter('gpEvents', path, 'avro').close();
    expect(await collect(readAvroContainer(path, 'gpEvents'))).toEqual([]);
  });
});
