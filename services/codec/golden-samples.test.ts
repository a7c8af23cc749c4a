// Every golden sample file decodes to the values its expected.json lists, through the current reader schema:
// files written with the schema itself, and files written with other writer schemas (resolution).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAvroContainerAs } from './container-reader.js';
import type { ReadItem } from '../core/read-item.js';
import { SCHEMAS_DIR, schemaJson } from './schema-catalog.js';
import { SingleObjectDecoder } from './single-object.js';

interface Expected {
  schema: string;
  writerSchema: string | null;
  containers: string[];
  singleObjects: { file: string; position: number }[];
  items: ({ position: number; fields: Record<string, unknown> } | { position: number; error: string })[];
}

const SAMPLES = join(SCHEMAS_DIR, 'samples');
const expectedFiles = [SAMPLES, join(SAMPLES, 'writers')].flatMap((dir) =>
  readdirSync(dir).filter((f) => f.endsWith('.expected.json')).map((f) => ({ dir, file: f })),
);

async function collect(items: AsyncIterable<ReadItem>): Promise<ReadItem[]> {
  const out: ReadItem[] = [];
  for await (const item of items) out.push('fields' in item ? { position: item.position, fields: { ...item.fields } } : item);
  return out;
}

describe('golden samples', () => {
  it('cover every schema with its own writer and with a foreign one', () => {
    const own = new Set(expectedFiles.filter((e) => e.dir === SAMPLES).map((e) => e.file));
    const foreign = new Set(expectedFiles.filter((e) => e.dir !== SAMPLES).map((e) => e.file.split('.').slice(0, 3).join('.')));
    for (const name of ['GpOptOutEvent', 'NdsReceivedObjection', 'NdsExtractManifest', 'NdsDissemination', 'PropagationAlert']) {
      expect(own).toContain(`optout.v1.${name}.expected.json`);
      expect(foreign).toContain(`optout.v1.${name}`);
    }
  });

  describe.each(expectedFiles)('$file', ({ dir, file }) => {
    const expected = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Expected;
    const reader = schemaJson(expected.schema);

    it.each(expected.containers)('container %s decodes to the expected items', async (container) => {
      const items = await collect(readAvroContainerAs(join(dir, container), reader));
      expect(items).toHaveLength(expected.items.length);
      for (const [i, want] of expected.items.entries()) {
        const got = items[i] as ReadItem;
        expect(got.position).toBe(want.position);
        if ('fields' in want) expect(got).toEqual(want);
        else expect('error' in got && got.error).toContain(want.error);
      }
    });

    it.each(expected.singleObjects)('single-object $file decodes once its writer schema is known', ({ file: bin, position }) => {
      const bytes = readFileSync(join(dir, bin));
      const writers = expected.writerSchema ? [readFileSync(join(dir, expected.writerSchema), 'utf8')] : [];
      const result = new SingleObjectDecoder(reader, writers).decode(bytes);
      const want = expected.items[position - 1];
      if (want !== undefined && 'fields' in want) {
        expect(result.ok && { ...result.fields }).toEqual(want.fields);
      } else {
        expect(result).toMatchObject({ ok: false, reason: 'UNDECODABLE' });
        expect(!result.ok && result.detail).toContain((want as { error: string }).error);
      }
    });

    if (expected.writerSchema !== null) {
      it('single-object values of the foreign writer are UNDECODABLE while that writer is not registered', () => {
        const first = expected.singleObjects[0] as { file: string };
        const result = new SingleObjectDecoder(reader).decode(readFileSync(join(dir, first.file)));
        expect(result).toMatchObject({ ok: false, reason: 'UNDECODABLE' });
        expect(!result.ok && result.detail).toMatch(/^unknown schema fingerprint 0x[0-9a-f]{16}$/);
      });
    }
  });
});
