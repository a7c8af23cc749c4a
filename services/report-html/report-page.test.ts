import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuditReport } from '../replay/audit-report.js';
import { captureReplay } from '../replay/testing/replay-capture.js';
import { PATIENT_A, PATIENT_B, writeSmallScenario } from '../replay/testing/small-scenario.js';
import { reportFacts } from './report-facts.js';
import { reportPage } from './report-page.js';
import { weekStart } from './utc-week.js';

// Each test runs whole replays (worker threads, files): seconds each on a loaded machine. Room, not a speed claim.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const HOSTILE = `<img src=x onerror="alert(1)">&'`;
let dir: string;
let report: AuditReport;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'optout-page-'));
  const files = await writeSmallScenario(dir);
  const releases = await readFile(files.ndsDisseminations, 'utf8');
  await writeFile(files.ndsDisseminations, releases.replace('University of Somewhere', HOSTILE.replaceAll('"', '\\"')));
  expect((await captureReplay(files, join(dir, 'report.json'))).code).toBe(0);
  report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as AuditReport;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the HTML report page', () => {
  it('escapes every string from the inputs', () => {
    expect(report.alerts.some((a) => a.recipient === HOSTILE)).toBe(true);
    const html = reportPage({ report, faults: [], generatedAt: '2026-01-01T00:00:00.000Z' });
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;');
  });

  it('counts alerts and distinct patients in its summary, and carries no NHS number', () => {
    const html = reportPage({ report, faults: [], generatedAt: '2026-01-01T00:00:00.000Z' });
    const patients = new Set(report.alerts.map((a) => a.patientRef)).size;
    expect(html).toContain(`<strong data-count="alerts">${report.alerts.length}</strong>`);
    expect(html).toContain(`<strong data-count="patients">${patients}</strong>`);
    expect(patients).toBe(2);
    for (const nhs of [PATIENT_A, PATIENT_B]) expect(html).not.toContain(nhs);
  });

  it('is the same page for the same report and generation time, and shows that time only in the footer', () => {
    const a = reportPage({ report, faults: [], generatedAt: '2026-01-01T00:00:00.000Z' });
    expect(reportPage({ report, faults: [], generatedAt: '2026-01-01T00:00:00.000Z' })).toBe(a);
    expect(a.match(/2026-01-01T00:00:00.000Z/g)).toHaveLength(1);
  });

  it('shades a supplier-wide fault window from the scenario and draws one mark per week with alerts', () => {
    const faults = [{ profile: 'systmone-2018', supplier: 'TPP', from: '2017-03-01T00:00:00.000Z', to: '2017-04-01T00:00:00.000Z' }, { profile: 'late-receipts', supplier: null, from: '2017-01-01T00:00:00.000Z', to: '2018-01-01T00:00:00.000Z' }];
    const html = reportPage({ report, faults, generatedAt: '2026-01-01T00:00:00.000Z' });
    expect(html.match(/<rect class="fault"/g)).toHaveLength(1);
    const weeks = new Set(report.alerts.flatMap((a) => [a.firedAt, a.resolvedAt]).filter((t): t is string => t !== null).map((t) => weekStart(Date.parse(t))));
    expect(html.match(/<g class="week"/g)).toHaveLength(weeks.size);
    expect(reportFacts(report, faults).firstAlertAfterFault?.fault.profile).toBe('systmone-2018');
  });
});

describe('weekStart', () => {
  it('starts weeks on Monday 00:00 UTC', () => {
    expect(new Date(weekStart(Date.parse('2018-06-27T15:00:00Z'))).toISOString()).toBe('2018-06-25T00:00:00.000Z');
    expect(new Date(weekStart(Date.parse('2018-06-25T00:00:00Z'))).toISOString()).toBe('2018-06-25T00:00:00.000Z');
    expect(new Date(weekStart(Date.parse('2018-06-24T23:59:59Z'))).toISOString()).toBe('2018-06-18T00:00:00.000Z');
  });
});
