import { execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SHIPPED_CATALOGUE_PATH } from '../contract/shipped-catalogue.js';
import type { StreamName } from '../core/records.js';
import { SHIPPED_CATALOGUE_FILE } from '../package-root.js';
import type { AuditReport } from './audit-report.js';
import { keyFingerprint } from '../identity/key-fingerprint.js';
import { captureReplay } from './testing/replay-capture.js';
import { writeSmallScenario } from './testing/small-scenario.js';

// Each test runs whole replays (worker threads, files): seconds each on a loaded machine. Room, not a speed claim.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let dir: string;
let files: { [S in StreamName]: string };
const KEY_HEX = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'.repeat(2);
const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');
const readReport = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as AuditReport;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'optout-provenance-'));
  files = await writeSmallScenario(dir);
  await writeFile(join(dir, 'key.hex'), `${KEY_HEX}\n`, { mode: 0o600 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('provenance in the replay report', () => {
  it('records the tool version from package.json and the commit from the build value, else from git', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect((await captureReplay(files, join(dir, 'stamped.json'), [], { OPTOUT_VERIFIER_COMMIT: 'ABCDEF1234567' })).code).toBe(0);
    const stamped = await readReport(join(dir, 'stamped.json'));
    expect(stamped.provenance.tool).toEqual({ name: 'optout-verifier', version: pkg.version, gitCommit: 'abcdef1234567', gitCommitFrom: 'environment' });
    expect((await captureReplay(files, join(dir, 'git.json'), [], {})).code).toBe(0);
    const fromGit = (await readReport(join(dir, 'git.json'))).provenance.tool;
    let head: string | null = null;
    try {
      head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: new URL('../../', import.meta.url), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      head = null;
    }
    expect(fromGit.gitCommit).toBe(head);
    expect(fromGit.gitCommitFrom).toBe(head === null ? null : 'git');
  });

  it('asks git only once the inputs are checked, so that a refused run ends at once', async () => {
    // A git that notes each question and answers as git would for a commit.
    const bin = join(dir, 'fake-git');
    const asked = join(dir, 'git-asked');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'git'), `#!/bin/sh\necho asked >> '${asked}'\necho ${'b'.repeat(40)}\n`, { mode: 0o755 });
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path ?? ''}`;
    try {
      const refused = await captureReplay({ ...files, gpEvents: join(dir, 'no-such-file.avro') }, join(dir, 'refused.json'), [], {});
      expect(refused.code).not.toBe(0);
      await expect(readFile(asked, 'utf8')).rejects.toThrow(/ENOENT/);
      expect((await captureReplay(files, join(dir, 'asked.json'), [], {})).code).toBe(0);
      expect(await readFile(asked, 'utf8')).toBe('asked\n');
      expect((await readReport(join(dir, 'asked.json'))).provenance.tool.gitCommit).toBe('b'.repeat(40));
    } finally {
      process.env.PATH = path;
    }
  });

  it('records the rules version and the catalogue path with the SHA-256 of its bytes', async () => {
    expect((await captureReplay(files, join(dir, 'shipped.json'))).code).toBe(0);
    const shipped = await readReport(join(dir, 'shipped.json'));
    expect(shipped.provenance.rulesVersion).toBe('1.1');
    expect(shipped.provenance.catalogue).toEqual({ path: SHIPPED_CATALOGUE_PATH, shipped: true, sha256: await sha256(SHIPPED_CATALOGUE_FILE) });
    // One entry swapped (its verified flag): same parameters, different catalogue, and the report says so.
    const own = join(dir, 'catalogue.json');
    const text = await readFile(SHIPPED_CATALOGUE_FILE, 'utf8');
    await writeFile(own, text.replace('"code": "827261000000102", "system": "SNOMED_CT", "type": "TYPE_1", "action": "WITHDRAWN", "verified": false', '"code": "827261000000102", "system": "SNOMED_CT", "type": "TYPE_1", "action": "WITHDRAWN", "verified": true'));
    const given = relative(process.cwd(), own);
    expect((await captureReplay(files, join(dir, 'own.json'), ['--catalogue', given])).code).toBe(0);
    const ownReport = await readReport(join(dir, 'own.json'));
    expect(ownReport.provenance.catalogue).toEqual({ path: given, shipped: false, sha256: await sha256(own) });
    expect(ownReport.provenance.catalogue.sha256).not.toBe(shipped.provenance.catalogue.sha256);
    expect(ownReport.parameters).toEqual(shipped.parameters);
  });

  it('records a key file by a fingerprint that is an HMAC of a fixed label and does not reveal the key', async () => {
    const keyFile = join(dir, 'key.hex');
    expect((await captureReplay(files, join(dir, 'keyed.json'), ['--pseudonym-key-file', keyFile])).code).toBe(0);
    const report = await readReport(join(dir, 'keyed.json'));
    const key = Buffer.from(KEY_HEX, 'hex');
    const expected = createHmac('sha256', key).update('optout-verifier pseudonym key fingerprint v1').digest('hex');
    expect(report.provenance.pseudonymKey).toMatchObject({ mode: 'key-file', keyFile, fingerprint: expected });
    const text = await readFile(join(dir, 'keyed.json'), 'utf8');
    expect(text).not.toContain(KEY_HEX);
    expect(text).not.toContain(key.toString('base64'));
    expect(keyFingerprint(Buffer.from(KEY_HEX.replace(/^a1/, 'a2'), 'hex'))).not.toBe(expected);
  });

  it('says plainly when the key was derived from the inputs', async () => {
    expect((await captureReplay(files, join(dir, 'derived.json'), [], {})).code).toBe(0);
    const key = (await readReport(join(dir, 'derived.json'))).provenance.pseudonymKey;
    expect(key.mode).toBe('derived-from-inputs');
    expect(key.statement).toMatch(/no key was given/);
    expect(key.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('marks a keyless run loudly: in the report, on stderr and at the top of the summary', async () => {
    const run = await captureReplay(files, join(dir, 'loud.json'), [], {});
    const report = JSON.parse(await readFile(join(dir, 'loud.json'), 'utf8')) as { pseudonymKeyWarning?: string };
    expect(report.pseudonymKeyWarning).toMatch(/^NO PSEUDONYM KEY WAS GIVEN/);
    expect(run.stderr).toContain('warning: NO PSEUDONYM KEY WAS GIVEN');
    expect(run.stdout.split('\n')[0]).toMatch(/^\*\*\* NO PSEUDONYM KEY/);
    const keyed = await captureReplay(files, join(dir, 'quiet-key.json'), ['--pseudonym-key-file', join(dir, 'key.hex')], {});
    expect(keyed.stdout).not.toContain('NO PSEUDONYM KEY');
    expect(Object.keys(JSON.parse(await readFile(join(dir, 'quiet-key.json'), 'utf8')))).not.toContain('pseudonymKeyWarning');
  });

  it('records each input path as given, its base name, size and a keyed digest, never a plain SHA-256 of it', async () => {
    const given = Object.fromEntries(Object.entries(files).map(([s, p]) => [s, relative(process.cwd(), p)])) as typeof files;
    expect((await captureReplay(given, join(dir, 'inputs.json'), ['--pseudonym-key-file', join(dir, 'key.hex')])).code).toBe(0);
    const text = await readFile(join(dir, 'inputs.json'), 'utf8');
    const inputs = (await readReport(join(dir, 'inputs.json'))).provenance.inputs;
    const key = Buffer.from(KEY_HEX, 'hex');
    for (const stream of Object.keys(files) as StreamName[]) {
      const bytes = await readFile(files[stream]);
      const plain = createHash('sha256').update(bytes).digest();
      const keyed = createHmac('sha256', key).update('optout-verifier input digest v1\0').update(plain).digest('hex');
      expect(inputs[stream]).toEqual({ path: given[stream], name: files[stream].split('/').at(-1), bytes: bytes.length, hmacSha256: keyed });
      expect(text).not.toContain(plain.toString('hex'));
    }
  });

  it('gives byte-identical reports for the same inputs and parameters', async () => {
    const args = ['--pseudonym-key-file', join(dir, 'key.hex'), '--sla', '48h'];
    expect((await captureReplay(files, join(dir, 'same-1.json'), args)).code).toBe(0);
    expect((await captureReplay(files, join(dir, 'same-2.json'), args)).code).toBe(0);
    expect((await readFile(join(dir, 'same-1.json'))).equals(await readFile(join(dir, 'same-2.json')))).toBe(true);
  });
});

describe('alerts decided by unverified catalogue codes', () => {
  it('are listed in the report and warned about on stderr', async () => {
    const run = await captureReplay(files, join(dir, 'unverified.json'));
    expect(run.code).toBe(0);
    const report = await readReport(join(dir, 'unverified.json'));
    expect(report.unverifiedCodes.catalogueEntries).toEqual(['827261000000102', '881581000000109']);
    const withdrawal = report.alerts.find((a) => a.upstreamEventId === 'gp-2')!;
    expect(withdrawal.rule).toBe('WITHDRAWAL_NOT_PROPAGATED');
    expect(report.unverifiedCodes.decidedAlerts).toEqual([{ alertId: withdrawal.alertId, code: '881581000000109', decided: 'fired' }]);
    expect(run.stderr).toMatch(/warning: 1 alert fired or resolved on a code the catalogue marks unverified \(881581000000109\)/);
  });

  it('are not claimed when the deciding code is verified', async () => {
    const verified = await mkdtemp(join(dir, 'verified-'));
    const run = await captureReplay(await writeSmallScenario(verified, '9Nu5'), join(verified, 'report.json'));
    expect(run.code).toBe(0);
    const report = await readReport(join(verified, 'report.json'));
    expect(report.alerts.some((a) => a.rule === 'WITHDRAWAL_NOT_PROPAGATED')).toBe(true);
    expect(report.unverifiedCodes.decidedAlerts).toEqual([]);
    expect(run.stderr).not.toMatch(/unverified/);
  });
});
