import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReadItem } from '../core/read-item.js';
import { openNdjson, readNdjson } from './ndjson-reader.js';
import type { ReadLimits } from './read-limits.js';
import type { StreamName } from '../core/records.js';

const dir = mkdtempSync(join(tmpdir(), 'ndjson-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
async function read(stream: StreamName, text: string, limits?: ReadLimits): Promise<ReadItem[]> {
  const path = join(dir, `f${fileNo++}.ndjson`);
  writeFileSync(path, text);
  const out: ReadItem[] = [];
  for await (const item of readNdjson(path, stream, limits)) out.push(item);
  return out;
}

const event = { eventId: 'gp-1', nhsNumber: '9990000018', practiceOds: 'A81001', supplier: 'TPP', code: '9Nu0', recordedAt: '2018-01-15T09:30:00.000Z' };
const RECORDED = Date.UTC(2018, 0, 15, 9, 30);
const line = (fields: Record<string, unknown>): string => JSON.stringify(fields);

describe('NDJSON reader', () => {
  it('reads ISO-8601 and epoch-millisecond timestamps as epoch milliseconds', async () => {
    const items = await read('gpEvents', `${line(event)}\n${line({ ...event, eventId: 'gp-2', recordedAt: RECORDED + 1 })}\n${line({ ...event, eventId: 'gp-3', recordedAt: '2018-01-15T10:30:00.002+01:00' })}\n`);
    expect(items).toEqual([
      { position: 1, fields: { ...event, recordedAt: RECORDED } },
      { position: 2, fields: { ...event, eventId: 'gp-2', recordedAt: RECORDED + 1 } },
      { position: 3, fields: { ...event, eventId: 'gp-3', recordedAt: RECORDED + 2 } },
    ]);
  });

  it('leaves absent fields absent and null fields null, and ignores fields the schema does not name', async () => {
    const { supplier: _s, ...noSupplier } = event;
    const items = await read('gpEvents', `${line(noSupplier)}\n${line({ ...event, code: null, colour: 'blue' })}\n`);
    expect(items).toEqual([
      { position: 1, fields: { ...noSupplier, recordedAt: RECORDED } },
      { position: 2, fields: { ...event, code: null, recordedAt: RECORDED } },
    ]);
    expect('supplier' in ((items[0] as { fields: object }).fields)).toBe(false);
  });

  it('reads the nullable sourceEventId, longs and enums', async () => {
    const receipt = { receiptId: 'r', nhsNumber: '9990000018', practiceOds: 'A81001', supplier: 'TPP', code: '9Nu0', sourceEventId: null, extractId: 'x', receivedAt: 5 };
    const manifest = { extractId: 'x', supplier: 'TPP', practiceOds: 'A81001', coversUpTo: 1, receivedAt: 2, recordCount: 2 ** 40 };
    const share = { disseminationId: 'd', nhsNumber: '9990000018', recipient: 'R', purpose: 'OTHER', sharedAt: 3 };
    expect(await read('ndsReceived', line(receipt))).toEqual([{ position: 1, fields: receipt }]);
    expect(await read('ndsManifests', line(manifest))).toEqual([{ position: 1, fields: manifest }]);
    expect(await read('ndsDisseminations', line(share))).toEqual([{ position: 1, fields: share }]);
  });

  it.each([
    ['invalid JSON', '{"eventId":"gp-1","nhsNumber":"9990000018",', 'invalid JSON'],
    ['a JSON array', '["9990000018"]', 'not a JSON object'],
    ['a bare string', '"9990000018"', 'not a JSON object'],
    ['a number where a string belongs', line({ ...event, nhsNumber: 9990000018 }), 'field nhsNumber: not a string'],
    ['an impossible date', line({ ...event, recordedAt: '2018-02-30T00:00:00Z' }), 'field recordedAt: not a timestamp'],
    ['a timestamp without an offset', line({ ...event, recordedAt: '2018-01-15T09:30:00' }), 'field recordedAt: not a timestamp'],
    ['a fractional epoch', line({ ...event, recordedAt: 1.5 }), 'field recordedAt: not a timestamp'],
    ['a boolean timestamp', line({ ...event, recordedAt: true }), 'field recordedAt: not a timestamp'],
  ])('%s is an error item that quotes no value', async (_, text, message) => {
    const items = await read('gpEvents', `${line(event)}\n${text}\n${line(event)}\n`);
    expect(items).toHaveLength(3);
    expect(items[1]).toMatchObject({ position: 2 });
    const error = (items[1] as { error: string }).error;
    expect(error).toContain(message);
    expect(error).not.toContain('9990000018');
    expect('fields' in (items[0] as ReadItem) && 'fields' in (items[2] as ReadItem)).toBe(true);
  });

  it('a purpose symbol outside the enum, or a long that is not an integer, is an error item', async () => {
    const share = { disseminationId: 'd', nhsNumber: '9990000018', recipient: 'R', purpose: 'MARKETING', sharedAt: 3 };
    expect(await read('ndsDisseminations', line(share))).toEqual([{ position: 1, error: 'field purpose: not a symbol of the enum' }]);
    const manifest = { extractId: 'x', supplier: 'TPP', practiceOds: 'A81001', coversUpTo: 1, receivedAt: 2, recordCount: '12' };
    expect(await read('ndsManifests', line(manifest))).toEqual([{ position: 1, error: 'field recordCount: not an integer' }]);
  });

  it('skips whitespace-only lines but counts them; reads CRLF, a BOM and a last line without a newline', async () => {
    const text = `\ufeff${line(event)}\r\n\r\n   \t\n${line({ ...event, eventId: 'gp-2' })}\n\n${line({ ...event, eventId: 'gp-3' })}`;
    const items = await read('gpEvents', text);
    expect(items.map((i) => [i.position, 'fields' in i && i.fields.eventId])).toEqual([[1, 'gp-1'], [4, 'gp-2'], [6, 'gp-3']]);
  });

  it('reads lines longer than its read buffer, and many lines across buffer boundaries', async () => {
    const long = { ...event, code: 'x'.repeat(3 << 20) };
    const many = Array.from({ length: 30_000 }, (_, i) => line({ ...event, eventId: `gp-${i}`, supplier: 'é'.repeat(i % 7) }));
    const items = await read('gpEvents', `${line(long)}\n${many.join('\n')}\n`, { maxBlockBytes: 1 << 20, maxLineBytes: 4 << 20, maxRecordBytes: 4 << 20 });
    expect(items).toHaveLength(30_001);
    const first = items[0] as ReadItem;
    expect('fields' in first && (first.fields.code as string).length).toBe(3 << 20);
    items.slice(1).forEach((item, i) => {
      expect(item.position).toBe(i + 2);
      expect('fields' in item && [item.fields.eventId, item.fields.supplier]).toEqual([`gp-${i}`, 'é'.repeat(i % 7)]);
    });
  });

  it('an empty file has no items; a missing one is rejected on open', async () => {
    expect(await read('gpEvents', '')).toEqual([]);
    const missing = join(dir, 'missing.ndjson');
    await expect(openNdjson(missing, 'gpEvents')).rejects.toThrow(`input file not found: ${missing}`);
  });
});
