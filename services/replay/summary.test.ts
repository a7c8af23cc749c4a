import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuditReport } from './audit-report.js';
import { captureReplay } from './testing/replay-capture.js';
import { writeSmallScenario } from './testing/small-scenario.js';

// Each test runs whole replays (worker threads, files): seconds each on a loaded machine. Room, not a speed claim.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'optout-summary-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the replay summary', () => {
  it('counts patients as well as alerts, and releases despite an objection with their patients and recipients', async () => {
    const run = await captureReplay(await writeSmallScenario(dir), join(dir, 'report.json'));
    expect(run.code).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as AuditReport;
    const patients = new Set(report.alerts.map((a) => a.patientRef)).size;
    const shares = report.alerts.filter((a) => a.rule === 'SHARED_DESPITE_OBJECTION');
    expect(patients).toBeLessThan(report.alerts.length);
    expect(run.stdout).toContain(`alerts: ${report.alerts.length} concerning ${patients} patients (`);
    expect(run.stdout).toContain(`releases despite an objection: ${shares.length} concerning ${new Set(shares.map((a) => a.patientRef)).size} patient, to 1 recipient`);
  });
});
