import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openInput } from '../codec/input-file.js';
import { STREAM_NAMES } from '../core/records.js';
import { main } from './main.js';
import { FILE_STEMS } from './scenario-files.js';

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'simulate-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const SMALL = ['--practices', '12', '--patients', '6000', '--days', '900', '--disseminations-per-week', '300', '--quiet'];

async function simulate(extra: string[]): Promise<{ dir: string; code: number }> {
  const dir = await freshDir();
  const code = await main(['--out', dir, ...SMALL, ...extra]);
  return { dir, code };
}

async function digests(dir: string, ext: string): Promise<string[]> {
  const names = [...STREAM_NAMES.map((s) => `${FILE_STEMS[s]}.${ext}`), 'scenario.json'];
  return Promise.all(names.map(async (n) => createHash('sha256').update(await readFile(join(dir, n))).digest('hex')));
}

async function readBack(dir: string, ext: string): Promise<Record<string, { records: number; errors: number }>> {
  const out: Record<string, { records: number; errors: number }> = {};
  for (const stream of STREAM_NAMES) {
    let records = 0;
    let errors = 0;
    for await (const item of await openInput(join(dir, `${FILE_STEMS[stream]}.${ext}`), stream)) {
      if ('error' in item) errors++;
      else records++;
    }
    out[stream] = { records, errors };
  }
  return out;
}

const total = (r: { records: number; errors: number } | undefined): number => (r === undefined ? -1 : r.records + r.errors);

describe('simulate files', () => {
  it('gives byte-identical files and scenario.json for the same seed and flags, different ones for another seed', async () => {
    const flags = ['--seed', '11', '--faults', 'all', '--codec', 'deflate'];
    const a = await simulate(flags);
    const b = await simulate(flags);
    const c = await simulate(['--seed', '12', '--faults', 'all', '--codec', 'deflate']);
    expect([a.code, b.code, c.code]).toEqual([0, 0, 0]);
    const da = await digests(a.dir, 'avro');
    expect(await digests(b.dir, 'avro')).toEqual(da);
    const dc = await digests(c.dir, 'avro');
    expect(dc.filter((d, i) => d === da[i])).toEqual([]);
  });

  it('writes Avro files the project reads back, one unreadable record per foreign purpose symbol', async () => {
    const { dir, code } = await simulate(['--faults', 'bad-records']);
    expect(code).toBe(0);
    const scenario = JSON.parse(await readFile(join(dir, 'scenario.json'), 'utf8')) as { files: Record<string, { lines: number }> };
    const read = await readBack(dir, 'avro');
    for (const stream of STREAM_NAMES) expect(total(read[stream])).toBe(scenario.files[stream]?.lines);
    expect(read.ndsDisseminations?.errors).toBe(2);
    expect(read.gpEvents?.errors).toBe(0);
  });

  it('writes NDJSON files the project reads back, with the deliberately broken lines unreadable', async () => {
    const { dir, code } = await simulate(['--format', 'ndjson', '--faults', 'bad-records']);
    expect(code).toBe(0);
    const scenario = JSON.parse(await readFile(join(dir, 'scenario.json'), 'utf8')) as { files: Record<string, { file: string; lines: number }> };
    const read = await readBack(dir, 'ndjson');
    for (const stream of STREAM_NAMES) {
      expect(scenario.files[stream]?.file).toBe(`${FILE_STEMS[stream]}.ndjson`);
      expect(total(read[stream])).toBe(scenario.files[stream]?.lines);
      expect(read[stream]?.errors).toBeGreaterThanOrEqual(1);
    }
    const text = await readFile(join(dir, 'gp-events.ndjson'), 'utf8');
    expect(text).toMatch(/"recordedAt":"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"/);
  });

  it('describes the run in scenario.json: seed, parameters, files and each fault with its window', async () => {
    const { dir } = await simulate(['--seed', '3', '--faults', 'systmone-2018,late-receipts']);
    const scenario = JSON.parse(await readFile(join(dir, 'scenario.json'), 'utf8')) as Record<string, unknown> & { faults: { profile: string; from: string | null }[] };
    expect(scenario).toMatchObject({ seed: 3, parameters: { practices: 12, patientsInTotal: 6000, days: 900, faults: ['systmone-2018', 'late-receipts'] } });
    expect(scenario.faults.map((f) => f.profile)).toEqual(['systmone-2018', 'late-receipts']);
    expect(scenario.faults[0]?.from).toBe('2015-04-01T00:00:00.000Z');
    expect(JSON.stringify(scenario)).not.toMatch(/999\d{7}/);
  });

  it('refuses a bad flag with exit code 2', async () => {
    const dir = await freshDir();
    expect(await main(['--out', dir, '--faults', 'systmone-2019'])).toBe(2);
    expect(await main(['--out', dir, '--bogus'])).toBe(2);
    expect(await main([])).toBe(2);
  });
});
