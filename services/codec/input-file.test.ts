import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReadItem } from '../core/read-item.js';
import { inputFormatOf, openInput } from './input-file.js';
import { openRecordWriter } from './record-writer.js';
import type { NdsExtractManifest } from '../core/records.js';

const dir = mkdtempSync(join(tmpdir(), 'input-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const manifest: NdsExtractManifest = { extractId: 'ex-1', supplier: 'TPP', practiceOds: 'A81001', coversUpTo: 10, receivedAt: 20, recordCount: 3 };

async function firstItem(items: AsyncIterable<ReadItem>): Promise<ReadItem | undefined> {
  for await (const item of items) return item;
  return undefined;
}

describe('openInput', () => {
  it.each([['m.avro', 'avro'], ['m.ndjson', 'ndjson'], ['m.jsonl', 'ndjson'], ['M.JSONL', 'ndjson']] as const)('opens %s as %s', async (name, format) => {
    const path = join(dir, name);
    const writer = openRecordWriter('ndsManifests', path, format);
    await writer.write(manifest);
    await writer.close();
    expect(inputFormatOf(path)).toBe(format);
    expect(await firstItem(await openInput(path, 'ndsManifests'))).toEqual({ position: 1, fields: manifest });
  });

  it('rejects an extension it does not know, naming the path', async () => {
    const path = join(dir, 'm.csv');
    writeFileSync(path, 'a,b\n');
    await expect(openInput(path, 'ndsManifests')).rejects.toThrow(`cannot tell the format of input file ${path}: expected a .avro, .ndjson or .jsonl file`);
  });

  it('rejects an NDJSON file named .avro before any item', async () => {
    const path = join(dir, 'lying.avro');
    writeFileSync(path, '{}\n');
    await expect(openInput(path, 'ndsManifests')).rejects.toThrow(/^not an Avro object container file/);
  });
});
