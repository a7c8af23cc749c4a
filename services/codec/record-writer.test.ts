import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import { afterAll, describe, expect, it } from 'vitest';
import { readAvroContainer } from './container-reader.js';
import type { ReadItem } from '../core/read-item.js';
import { readNdjson } from './ndjson-reader.js';
import { openAvroWriterWithSchema, openRawNdjsonWriter, openRecordWriter } from './record-writer.js';
import { streamSchemaJson } from './schema-catalog.js';
import type { NdsReceivedObjection } from '../core/records.js';

const dir = mkdtempSync(join(tmpdir(), 'record-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const receipt = (i: number): NdsReceivedObjection => ({
  receiptId: `rc-${i}`, nhsNumber: '9990000026', practiceOds: 'B82005', supplier: 'EMIS', code: i % 2 ? '9Nu4' : 'XaZ89',
  sourceEventId: i % 3 ? `gp-${i}` : null, extractId: 'ex-1', receivedAt: Date.UTC(2018, 2, 2) + i * 37,
});

async function collect(items: AsyncIterable<ReadItem>): Promise<ReadItem[]> {
  const out: ReadItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function readWithAvsc(path: string): Promise<unknown[]> {
  const records: unknown[] = [];
  const decoder = avro.createFileDecoder(path).on('data', (r: unknown) => records.push(r));
  await once(decoder, 'end');
  return records;
}

describe('openRecordWriter', () => {
  it.each(['null', 'deflate'] as const)('writes an Avro container (%s) that avsc and our reader read back', async (codec) => {
    const path = join(dir, `receipts-${codec}.avro`);
    const n = 50_000;
    const writer = openRecordWriter('ndsReceived', path, 'avro', { codec });
    let promises = 0;
    for (let i = 0; i < n; i++) {
      const pending = writer.write(receipt(i));
      if (pending) {
        promises++;
        await pending;
      }
    }
    await writer.close();
    expect(promises).toBeLessThan(n / 100); // a promise only when the file asks to wait
    const byAvsc = await readWithAvsc(path);
    expect(byAvsc).toHaveLength(n);
    expect({ ...(byAvsc[n - 1] as object) }).toEqual(receipt(n - 1));
    const ours = await collect(readAvroContainer(path, 'ndsReceived'));
    ours.forEach((item, i) => expect('fields' in item && { ...item.fields }).toEqual(receipt(i)));
  });

  it('puts the contract schema, with its doc and logical types, into the container header', async () => {
    const path = join(dir, 'header.avro');
    await openRecordWriter('ndsReceived', path, 'avro').close();
    const header = avro.extractFileHeader(path) as { meta: { 'avro.schema': unknown; 'avro.codec': string } };
    expect(header.meta['avro.schema']).toEqual(streamSchemaJson('ndsReceived'));
    expect(header.meta['avro.codec']).toBe('null');
  });

  it('writes NDJSON in contract field order, timestamps as ISO-8601 with milliseconds and Z, and reads back', async () => {
    const path = join(dir, 'receipts.ndjson');
    const writer = openRecordWriter('ndsReceived', path, 'ndjson');
    for (let i = 0; i < 3; i++) await writer.write(receipt(i));
    await writer.write({ ...receipt(3), supplier: 'quote " backslash \\ newline \n tab \t' });
    await writer.close();
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('');
    expect(lines[0]).toBe('{"receiptId":"rc-0","nhsNumber":"9990000026","practiceOds":"B82005","supplier":"EMIS","code":"XaZ89","sourceEventId":null,"extractId":"ex-1","receivedAt":"2018-03-02T00:00:00.000Z"}');
    expect(JSON.parse(lines[1] as string)).toEqual({ ...receipt(1), receivedAt: '2018-03-02T00:00:00.037Z' });
    const items = await collect(readNdjson(path, 'ndsReceived'));
    expect(items.map((i) => 'fields' in i && i.fields)).toEqual([receipt(0), receipt(1), receipt(2), { ...receipt(3), supplier: 'quote " backslash \\ newline \n tab \t' }]);
  });

  it('writes raw lines verbatim, and refuses a line with a newline in it', async () => {
    const path = join(dir, 'raw.ndjson');
    const writer = openRawNdjsonWriter(path);
    await writer.writeRawLine('{"eventId": not json');
    await writer.writeRawLine('');
    expect(() => writer.writeRawLine('a\nb')).toThrow(/newline/);
    await writer.close();
    expect(readFileSync(path, 'utf8')).toBe('{"eventId": not json\n\n');
  });

  it('writes with a writer schema of the caller\'s choosing, verbatim in the header', async () => {
    const schema = streamSchemaJson('ndsReceived');
    const foreign = { ...schema, doc: 'a producer copy', fields: [...schema.fields].reverse() };
    const path = join(dir, 'foreign.avro');
    const writer = openAvroWriterWithSchema(path, foreign, { codec: 'deflate' });
    await writer.write(receipt(1));
    await writer.close();
    expect((avro.extractFileHeader(path) as { meta: { 'avro.schema': unknown } }).meta['avro.schema']).toEqual(foreign);
    const items = await collect(readAvroContainer(path, 'ndsReceived'));
    expect(items.map((i) => 'fields' in i && { ...i.fields })).toEqual([receipt(1)]);
  });

  it('reports a file that cannot be created when closing', async () => {
    const writer = openRecordWriter('ndsReceived', join(dir, 'no-such-dir', 'x.avro'), 'avro');
    await expect(writer.close()).rejects.toThrow(/ENOENT/);
  });

  it('rejects a value that does not fit the schema, without writing it', () => {
    const writer = openRecordWriter('ndsReceived', join(dir, 'bad.avro'), 'avro');
    expect(() => writer.write({ ...receipt(0), receivedAt: 'soon' } as unknown as NdsReceivedObjection)).toThrow();
    return writer.close();
  });
});
