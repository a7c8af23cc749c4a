import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openAvroContainerBatches, openContainerSegments, splitContainer, type ContainerSegment } from './container-reader.js';
import type { ReadItem } from '../core/read-item.js';
import { DEFAULT_READ_LIMITS, type ReadLimits } from './read-limits.js';
import { writeDisseminationContainer } from './testing/dissemination-container.js';

const dir = mkdtempSync(join(tmpdir(), 'container-split-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SYNC = Buffer.from('0123456789abcdef');
const share = (i: number, recipient = 'R') => ({ disseminationId: `d-${i}`, nhsNumber: '9990000018', recipient, purpose: 'RESEARCH', sharedAt: 1_514_764_800_000 + i });

/** A dissemination file written by avsc's encoder, blocks of about `blockSize` bytes, with a known sync marker. */
function write(name: string, records: readonly object[], blockSize: number, codec: 'null' | 'deflate' = 'null'): Promise<string> {
  return writeDisseminationContainer(join(dir, name), records, { blockSize, codec, syncMarker: SYNC });
}

async function whole(path: string, limits: ReadLimits = DEFAULT_READ_LIMITS): Promise<ReadItem[]> {
  const out: ReadItem[] = [];
  for await (const batch of await openAvroContainerBatches(path, 'ndsDisseminations', limits)) out.push(...batch);
  return out;
}

/** Every segment read on its own, in order, up to the one in which the file's reading stops. */
async function bySegments(path: string, segments: readonly ContainerSegment[], limits: ReadLimits = DEFAULT_READ_LIMITS): Promise<ReadItem[]> {
  const open = await openContainerSegments(path, 'ndsDisseminations', limits);
  const out: ReadItem[] = [];
  for (const segment of segments) {
    const reading = open(segment);
    for await (const batch of reading.items) out.push(...batch);
    if (reading.stopped()) break;
  }
  return out;
}

/** Segments follow on from one another, the first at the first block, the last to the file's end. */
function expectContiguous(segments: readonly ContainerSegment[]): void {
  for (let i = 1; i < segments.length; i++) expect(segments[i]!.from).toBe(segments[i - 1]!.to);
  expect(segments.at(-1)!.to).toBe(Infinity);
}

describe('splitContainer', () => {
  it.each(['null', 'deflate'] as const)('cuts a %s file at block boundaries only, into segments that give every record once, in order', async (codec) => {
    const path = await write(`many-${codec}.avro`, Array.from({ length: 5000 }, (_, i) => share(i)), 700, codec);
    const expected = await whole(path);
    expect(expected).toHaveLength(5000);
    // Segment sizes that are not multiples of a block: most cuts would fall inside a block, and move to its end.
    for (const bytes of [1, 999, 4096, 50_000, 1 << 30]) {
      const segments = await splitContainer(path, bytes);
      expectContiguous(segments);
      if (bytes === 1) expect(segments.length).toBeGreaterThan(50);
      if (bytes === 1 << 30) expect(segments).toHaveLength(1);
      expect(await bySegments(path, segments)).toEqual(expected);
    }
  });

  it('is not misled by bytes like the sync marker inside a block', async () => {
    const records = Array.from({ length: 400 }, (_, i) => share(i, i % 3 === 0 ? SYNC.toString('latin1') : 'R'));
    const path = await write('sync-like.avro', records, 500);
    const bytes = readFileSync(path);
    const expected = await whole(path);
    expect(expected).toHaveLength(400);
    const segments = await splitContainer(path, 1);
    // More occurrences of the marker than block ends: a search for it would cut inside blocks.
    let occurrences = 0;
    for (let at = bytes.indexOf(SYNC); at >= 0; at = bytes.indexOf(SYNC, at + 1)) occurrences++;
    expect(occurrences).toBeGreaterThan(segments.length + 1);
    expect(await bySegments(path, segments)).toEqual(expected);
  });

  it('makes one segment of an empty file, of a container with one block, and of a file that is not a container', async () => {
    const empty = join(dir, 'empty.avro');
    writeFileSync(empty, '');
    expect(await splitContainer(empty, 1)).toEqual([{ from: 0, to: Infinity, ordinal: 0 }]);
    expect(await bySegments(empty, await splitContainer(empty, 1))).toEqual([]);
    const one = await write('one.avro', [share(1), share(2)], 1 << 20);
    const segments = await splitContainer(one, 1);
    expect(segments).toHaveLength(1);
    expect(await bySegments(one, segments)).toEqual(await whole(one));
    const foreign = join(dir, 'foreign.avro');
    writeFileSync(foreign, 'not a container at all');
    expect(await splitContainer(foreign, 1)).toEqual([{ from: 0, to: Infinity, ordinal: 0 }]);
  });

  it('puts everything from a corrupt or truncated block on into the last segment, whose reading ends as the whole file\'s does', async () => {
    const path = await write('to-spoil.avro', Array.from({ length: 3000 }, (_, i) => share(i)), 600);
    const bytes = readFileSync(path);
    const marker = bytes.indexOf(SYNC, Math.floor(bytes.length / 2));
    const spoilt = Buffer.from(bytes);
    spoilt[marker + 3] = spoilt[marker + 3]! ^ 0xff;
    // Each with where the damage is: no cut may lie beyond it.
    const cases: [string, Buffer, number][] = [
      ['bad-sync.avro', spoilt, marker],
      ['truncated.avro', bytes.subarray(0, bytes.length - 37), bytes.length - 37],
      ['garbage-prefix.avro', Buffer.concat([bytes.subarray(0, marker + 16), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]), marker + 16],
    ];
    for (const [name, content, damage] of cases) {
      const file = join(dir, name);
      writeFileSync(file, content);
      const expected = await whole(file);
      expect((expected.at(-1) as { error: string }).error).toMatch(/^corrupt block: /);
      const segments = await splitContainer(file, 1);
      expect(segments.length).toBeGreaterThan(10);
      expect(segments.at(-1)!.from).toBeLessThanOrEqual(damage);
      expect(await bySegments(file, segments)).toEqual(expected);
    }
  });

  it('keeps the read limits: a block over --max-block-bytes and a record over --max-record-bytes, positions as the whole file gives them', async () => {
    // Blocks close before they would pass 2000 bytes, those of the longer records sooner (at about 1850): a limit
    // between skips the blocks of the first thousand lines and not the others.
    const records = Array.from({ length: 2000 }, (_, i) => share(i, i >= 1000 && i % 7 === 0 ? 'R'.repeat(120) : 'R'));
    const path = await write('limits.avro', records, 2000);
    const limits: ReadLimits = { ...DEFAULT_READ_LIMITS, maxBlockBytes: 1900, maxRecordBytes: 100 };
    const expected = await whole(path, limits);
    expect(expected.some((i) => 'error' in i && i.error.includes('--max-block-bytes'))).toBe(true);
    expect(expected.filter((i) => 'fields' in i).length).toBeGreaterThan(500);
    expect(expected.some((i) => 'error' in i && i.error.includes('--max-record-bytes'))).toBe(true);
    expect(await bySegments(path, await splitContainer(path, 1), limits)).toEqual(expected);
  });
});
