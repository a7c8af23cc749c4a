import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PartitionSpill, readSpill, type SpillFrame } from './partition-spill.js';

async function all(path: string): Promise<SpillFrame[]> {
  const frames: SpillFrame[] = [];
  for await (const frame of readSpill(path)) frames.push(frame.kind === 'record' ? { kind: 'record', bytes: Buffer.from(frame.bytes) } : frame);
  return frames;
}

describe('a partition spill', () => {
  it('gives back records and rejected lines in the order written, frames larger than a read chunk included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'optout-spill-'));
    const spill = new PartitionSpill(join(dir, 'p0.spill'));
    const big = Buffer.alloc(200_000, 7);
    await spill.writeRecord(Buffer.from([1, 2, 3]));
    await spill.writeRejected('{"offset":1}');
    await spill.writeRecord(big);
    await spill.writeRecord(Buffer.alloc(0));
    await spill.close();
    expect(await all(spill.path)).toEqual([
      { kind: 'record', bytes: Buffer.from([1, 2, 3]) }, { kind: 'rejected', line: '{"offset":1}' }, { kind: 'record', bytes: big }, { kind: 'record', bytes: Buffer.alloc(0) },
    ]);
  });

  it('refuses a file cut inside a frame', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'optout-spill-'));
    const path = join(dir, 'cut.spill');
    await writeFile(path, Buffer.from([0, 0, 0, 0, 9, 1, 2]));
    await expect(all(path)).rejects.toThrow(/ends inside a frame/);
  });
});
