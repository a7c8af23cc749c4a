import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_READ_LIMITS } from '../codec/read-limits.js';
import { writeDisseminationContainer } from '../codec/testing/dissemination-container.js';
import type { JudgedDisseminations } from '../core/dissemination-judge.js';
import { mergedJudgements } from '../core/testing/judged-batches.js';
import { packageFile } from '../package-root.js';
import { judgedDisseminationFile, type SplitPolicy } from './judged-dissemination-file.js';

const dir = mkdtempSync(join(tmpdir(), 'judged-disseminations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const catalogue: unknown = JSON.parse(readFileSync(packageFile('schemas', 'code-catalogue.json'), 'utf8'));
const OBJECTORS = ['9990000018', '9990000034'];
const PATIENTS = ['9990000018', '9990000026', '9990000034', '9990000042', '9990000019'];
const ALONE: SplitPolicy = { fromLines: Infinity, segmentBytes: 1 };
const SHARED: SplitPolicy = { fromLines: 0, segmentBytes: 3000 };

/** Lines whose ids come back far apart (redeliveries, some changed), with invalid NHS numbers among them (9990000019's check digit is wrong). */
function lines(n: number): object[] {
  let s = 7;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  return Array.from({ length: n }, (_, i) => {
    const id = next() < 0.2 ? Math.floor(next() * i) : i;
    return { disseminationId: `d-${id}`, nhsNumber: PATIENTS[id % PATIENTS.length]!, recipient: next() < 0.05 ? 'S' : 'R', purpose: ['RESEARCH', 'DIRECT_CARE', 'PLANNING'][id % 3]!, sharedAt: 1_514_764_800_000 + id * 1000 };
  });
}

function write(name: string, records: readonly object[]): Promise<string> {
  return writeDisseminationContainer(join(dir, name), records, { blockSize: 1000 });
}

async function judged(path: string, split: SplitPolicy) {
  const batches: JudgedDisseminations[] = [];
  let error: string | null = null;
  try {
    for await (const batch of judgedDisseminationFile(path, catalogue, OBJECTORS, 10, DEFAULT_READ_LIMITS, split)) batches.push(batch);
  } catch (e) {
    error = (e as Error).message;
  }
  return { ...mergedJudgements(batches), error };
}

describe('judgedDisseminationFile shared between two threads', () => {
  it('hands over what one thread judging the whole file does: counts, latest, kept lines and dead letters, in order', async () => {
    const path = await write('shared.avro', lines(20_000));
    const alone = await judged(path, ALONE);
    expect(alone.duplicates).toBeGreaterThan(100);
    expect(alone.dead.some((d) => d.reason === 'CONFLICTING_DUPLICATE')).toBe(true);
    expect(alone.dead.some((d) => d.reason === 'INVALID_NHS_NUMBER')).toBe(true);
    expect(alone.kept.length).toBeGreaterThan(100);
    expect(await judged(path, SHARED)).toEqual(alone);
  });

  it('ends where the whole file\'s reading ends: a corrupt block in the middle, its dead letter last, nothing after it', async () => {
    const path = await write('to-spoil.avro', lines(20_000));
    const bytes = readFileSync(path);
    const spoilt = Buffer.from(bytes);
    // A record's bytes in the middle of the file overwritten: its block cannot be read past it.
    spoilt.fill(0xff, Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 40);
    const file = join(dir, 'spoilt.avro');
    writeFileSync(file, spoilt);
    const alone = await judged(file, ALONE);
    expect(alone.dead.at(-1)!.detail).toMatch(/^corrupt block: .*the rest of the file was not read$/);
    expect(alone.items).toBeLessThan(15_000);
    expect(await judged(file, SHARED)).toEqual(alone);
  });

  it('fails as one thread does for a file that is not a container', async () => {
    const file = join(dir, 'foreign.avro');
    writeFileSync(file, 'not a container');
    const alone = await judged(file, ALONE);
    expect(alone.error).toMatch(/^not an Avro object container file/);
    expect(await judged(file, SHARED)).toEqual(alone);
  });
});
