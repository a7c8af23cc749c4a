import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuditReport } from '../replay/audit-report.js';
import { captureReplay } from '../replay/testing/replay-capture.js';
import { PATIENT_A, PATIENT_B, writeSmallScenario } from '../replay/testing/small-scenario.js';
import { readListLine } from './nhs-number-lines.js';

// Each test runs whole replays (worker threads, files): seconds each on a loaded machine. Room, not a speed claim.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const KEY_HEX = '00112233445566778899aabbccddeeff'.repeat(2);
const ref = (nhs: string) => createHmac('sha256', Buffer.from(KEY_HEX, 'hex')).update(nhs).digest('hex');
let dir: string;
let keyFile: string;

interface Ran { readonly code: number | null; readonly stdout: string; readonly stderr: string }

function pseudonym(args: readonly string[], stdin: string, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/cli/start.ts', 'pseudonym', ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'optout-pseudonym-'));
  keyFile = join(dir, 'key.hex');
  await writeFile(keyFile, `${KEY_HEX}\n`, { mode: 0o600 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('optout-verifier pseudonym', () => {
  it('writes nhsNumber,patientRef lines under the key, and names bad lines by number only', async () => {
    const run = await pseudonym(['--key-file', keyFile], `${PATIENT_A}\r\n999 000 0026\n\nsecret 9990000034\n9990000019\n`);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(`${PATIENT_A},${ref(PATIENT_A)}\n${PATIENT_B},${ref(PATIENT_B)}\n`);
    expect(run.stderr).toContain('line 4: not an NHS number');
    expect(run.stderr).toContain('line 5: not an NHS number');
    expect(run.stderr).toContain('2 references written; 2 lines skipped');
    for (const said of [PATIENT_A, PATIENT_B, '9990000034', '9990000019', 'secret']) expect(run.stderr).not.toContain(said);
  });

  it('gives the references of a replay report made with the same key, and prints the fingerprint the report records', async () => {
    const files = await writeSmallScenario(dir);
    expect((await captureReplay(files, join(dir, 'report.json'), ['--pseudonym-key-file', keyFile])).code).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as AuditReport;
    const run = await pseudonym([], `${PATIENT_A}\n${PATIENT_B}\n`, { PSEUDONYM_KEY_FILE: keyFile });
    expect(run.code).toBe(0);
    const refs = new Set(run.stdout.trim().split('\n').map((l) => l.split(',')[1]));
    expect(new Set(report.alerts.map((a) => a.patientRef))).toEqual(refs);
    expect(run.stderr).toContain(`key fingerprint ${report.provenance.pseudonymKey.fingerprint}`);
  });

  it('refuses without a key, and says so when the key cannot be read', async () => {
    const none = await pseudonym([], `${PATIENT_A}\n`);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/refusing to run without a key/);
    const missing = await pseudonym(['--key-file', join(dir, 'nope.key')], `${PATIENT_A}\n`);
    expect(missing.code).toBe(3);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).not.toContain(PATIENT_A);
  });
});

describe('readListLine', () => {
  it('reads the usual ways of writing an NHS number, and nothing else', () => {
    expect(readListLine(' 999-000-0018 ')).toEqual({ kind: 'number', nhsNumber: '9990000018' });
    expect(readListLine('999 000 0018')).toEqual({ kind: 'number', nhsNumber: '9990000018' });
    expect(readListLine('99900 00018')).toEqual({ kind: 'invalid' });
    expect(readListLine('9990000019')).toEqual({ kind: 'invalid' });
    expect(readListLine('   ')).toEqual({ kind: 'blank' });
  });
});
