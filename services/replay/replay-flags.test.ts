// The replay's flags as a user types them: what is accepted, and how a refusal names the flag.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamName } from '../core/records.js';
import { runCli } from '../../test/stack/cli-entry.js';
import { captureReplay } from './testing/replay-capture.js';
import { writeSmallScenario } from './testing/small-scenario.js';

let dir: string;
let files: { [S in StreamName]: string };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'optout-replay-flags-'));
  files = await writeSmallScenario(dir);
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const reportOf = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as { asOf: string; parameters: { slaMs: number; graceMs: number } };

describe('replay durations', () => {
  it('takes decimals: --sla 1.5h is 90 minutes, --grace 0.5d twelve hours', async () => {
    const run = await captureReplay(files, join(dir, 'decimal.json'), ['--sla', '1.5h', '--grace', '0.5d', '--quiet']);
    expect(run.code).toBe(0);
    expect((await reportOf(join(dir, 'decimal.json'))).parameters).toEqual({ slaMs: 5_400_000, graceMs: 43_200_000 });
  });

  it('refuses a duration that is not a whole number of milliseconds, naming the flag, with exit 2', async () => {
    const run = await captureReplay(files, join(dir, 'refused.json'), ['--sla', '0.0001s', '--grace', '2 hours']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--sla '0.0001s' is not a whole number of milliseconds");
    expect(run.stderr).toContain("--grace '2 hours' is not a duration");
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('replay --as-of', () => {
  it.each([
    ['2016-06-01', '2016-06-01T00:00:00.000Z'],
    ['2016-06-01T12:30:00+01:00', '2016-06-01T11:30:00.000Z'],
    ['2016-06-01T11:30:00.250Z', '2016-06-01T11:30:00.250Z'],
    ['1464780600000', '2016-06-01T11:30:00.000Z'],
  ])('reads %s as %s', async (given, instant) => {
    const report = join(dir, `as-of-${given.replace(/[^0-9]/g, '')}.json`);
    const run = await captureReplay(files, report, ['--as-of', given, '--quiet']);
    expect(run.stderr).not.toMatch(/--as-of/);
    expect(run.code).toBe(0);
    expect((await reportOf(report)).asOf).toBe(instant);
  });

  it.each(['2016-06-01T12:30:00', '2016-02-30', 'yesterday', '1.5e12', '-1', '2016-6-1', '99999999999999999999'])('refuses %s, naming the flag and the forms it takes', async (given) => {
    const run = await captureReplay(files, join(dir, 'as-of-refused.json'), ['--as-of', given]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--as-of '${given}' is not a date (2024-01-05`);
    expect(run.stderr).toMatch(/epoch milliseconds/);
  });
});

describe('replay without its required flags', () => {
  it('names every missing one at once, with the other problems, in one line and exit 2', async () => {
    const run = await runCli(['replay', '--nds-manifests', 'm.avro', '--sla', 'soon'], {}, { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('4 required flags are missing: --gp-events <file>, --nds-received <file>, --nds-disseminations <file>, --report <file>');
    expect(run.stderr).toContain("--sla 'soon' is not a duration");
  });
});
