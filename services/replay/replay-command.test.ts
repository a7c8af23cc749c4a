import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openInput } from '../codec/input-file.js';
import { parseCodeCatalogue } from '../core/code-catalogue.js';
import { Intake } from '../core/intake.js';
import type { Report } from '../core/replay-report.js';
import type { RecordOf, StreamName } from '../core/records.js';
import { oracle } from '../core/testing/spec-oracle.js';
import { SHIPPED_CATALOGUE_FILE } from '../package-root.js';
import { main as simulate } from '../simulator/main.js';
import { main as replay } from './main.js';

const STEMS: Record<StreamName, string> = { gpEvents: 'gp-events', ndsReceived: 'nds-received', ndsManifests: 'nds-manifests', ndsDisseminations: 'nds-disseminations' };
const SCALE = ['--practices', '12', '--patients', '6000', '--days', '700', '--start', '2016-01-01', '--disseminations-per-week', '400'];
let dir: string;

async function scenario(name: string, faults: string, format: 'avro' | 'ndjson', seed = '11'): Promise<Record<StreamName, string>> {
  const out = join(dir, name);
  expect(await simulate(['--out', out, '--seed', seed, '--faults', faults, '--format', format, '--quiet', ...SCALE])).toBe(0);
  return Object.fromEntries(Object.entries(STEMS).map(([s, stem]) => [s, join(out, `${stem}.${format}`)])) as Record<StreamName, string>;
}

interface Captured { code: number; stdout: string; stderr: string }

async function runReplay(files: Record<StreamName, string>, report: string, extra: string[] = []): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await replay(['--gp-events', files.gpEvents, '--nds-received', files.ndsReceived, '--nds-manifests', files.ndsManifests, '--nds-disseminations', files.ndsDisseminations, '--report', report, '--no-progress', ...extra]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const readReport = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as Report;
/** What must not depend on file layout: everything but the inputs block and dead-letter positions. */
const decisions = (r: Report) => ({ asOf: r.asOf, alerts: r.alerts, pending: r.pending, duplicates: r.duplicates, latency: r.propagationLatency, deadLetters: r.deadLetters.byReason });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'optout-replay-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('optout-verifier replay', () => {
  it('gives byte-identical reports for the same inputs, and a summary without NHS numbers', async () => {
    // Seed 12 at this scale drops two withdrawals (scenario.json), so every episode rule has a case.
    const files = await scenario('twice', 'systmone-2018,late-receipts,phantom-objections,revoked-objections,dropped-withdrawals,unfiltered-release,bad-records,redeliveries', 'avro', '12');
    const first = await runReplay(files, join(dir, 'twice-1.json'));
    const second = await runReplay(files, join(dir, 'twice-2.json'));
    expect(first.code).toBe(0);
    const [a, b] = await Promise.all([readFile(join(dir, 'twice-1.json')), readFile(join(dir, 'twice-2.json'))]);
    expect(a.equals(b)).toBe(true);
    const report = await readReport(join(dir, 'twice-1.json'));
    const rules = new Set(report.alerts.map((x) => x.rule));
    for (const rule of ['OBJECTION_NOT_PROPAGATED', 'UNKNOWN_DOWNSTREAM_OBJECTION', 'OBJECTION_REVOKED_DOWNSTREAM', 'SHARED_DESPITE_OBJECTION', 'WITHDRAWAL_NOT_PROPAGATED']) expect(rules).toContain(rule);
    expect(report.deadLetters.count).toBeGreaterThan(0);
    expect(report.duplicates.count).toBeGreaterThan(0);
    for (const text of [first.stdout, first.stderr, a.toString('utf8')]) expect(text).not.toMatch(/999\d{7}/);
    expect(first.stdout).toContain('SHARED_DESPITE_OBJECTION');
    expect(second.stdout.replace('twice-2', 'twice-1')).toBe(first.stdout);
  });

  it('agrees with an independent reading of the rules on a simulated scenario', async () => {
    const files = await scenario('oracle', 'systmone-2018,late-receipts,phantom-objections,revoked-objections,dropped-withdrawals,unfiltered-release,bad-records,redeliveries', 'ndjson', '5');
    expect((await runReplay(files, join(dir, 'oracle.json'))).code).toBe(0);
    const report = await readReport(join(dir, 'oracle.json'));
    const catalogue = parseCodeCatalogue(JSON.parse(await readFile(SHIPPED_CATALOGUE_FILE, 'utf8')));
    const intake = new Intake(catalogue);
    const valid: { [S in StreamName]: RecordOf[S][] } = { gpEvents: [], ndsReceived: [], ndsManifests: [], ndsDisseminations: [] };
    for (const stream of Object.keys(STEMS) as StreamName[]) {
      for await (const item of await openInput(files[stream], stream)) {
        if (!('fields' in item)) continue;
        const admission = intake.admit(stream, item.fields);
        if (admission.kind === 'accepted') (valid[stream] as unknown[]).push(admission.record);
      }
    }
    const expected = oracle({ gpEvents: valid.gpEvents, receipts: valid.ndsReceived, manifests: valid.ndsManifests, disseminations: valid.ndsDisseminations, slaMs: 72 * 3_600_000, graceMs: 3_600_000, asOf: Date.parse(report.asOf!), catalogue });
    const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));
    const actual = report.alerts.map((a) => ({
      cause: a.disseminationId !== null ? `share:${a.disseminationId}` : a.upstreamEventId !== null ? `gp:${a.upstreamEventId}` : `nds:${a.receiptId}`,
      rule: a.rule, state: a.state, firedAt: ms(a.firedAt)!, escalatedAt: ms(a.escalatedAt), resolvedAt: ms(a.resolvedAt), resolvedBy: a.resolvedBy, optOutType: a.optOutType, downstreamHeldAtShare: a.downstreamHeldAtShare,
    }));
    const byCause = (x: { cause: string }, y: { cause: string }) => (x.cause < y.cause ? -1 : 1);
    expect(actual.length).toBeGreaterThan(20);
    expect(actual.sort(byCause)).toEqual(expected.alerts.sort(byCause));
    expect(report.pending.map((p) => `${p.rule}:${p.upstreamEventId ?? p.receiptId}`).sort()).toEqual(expected.pending.map((p) => `${p.rule}:${p.cause.slice(p.cause.indexOf(':') + 1)}`).sort());
    expect(report.propagationLatency.count).toBe(expected.latency.length);
    expect(report.propagationLatency.max).toBe(Math.max(...expected.latency));
  });

  it('decides the same whatever the order of lines in the files, and the same from Avro as from NDJSON', async () => {
    const faults = 'systmone-2018,late-receipts,phantom-objections,revoked-objections,unfiltered-release';
    const ndjson = await scenario('order', faults, 'ndjson');
    const avro = await scenario('order-avro', faults, 'avro');
    // A supplied key: without one, references are keyed on the file contents, which differ here.
    const keyFile = join(dir, 'key.hex');
    await writeFile(keyFile, `${'a1b2c3d4e5f60718293a4b5c6d7e8f90'.repeat(2)}\n`, { mode: 0o600 });
    const key = ['--pseudonym-key-file', keyFile];
    expect((await runReplay(ndjson, join(dir, 'order.json'), key)).code).toBe(0);
    expect((await runReplay(avro, join(dir, 'order-avro.json'), key)).code).toBe(0);
    const shuffled: Record<string, string> = {};
    for (const [stream, path] of Object.entries(ndjson)) {
      const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.length > 0);
      let s = 12345;
      for (let i = lines.length - 1; i > 0; i--) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        const j = s % (i + 1);
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      }
      shuffled[stream] = path.replace('.ndjson', '.shuffled.ndjson');
      await writeFile(shuffled[stream]!, `${lines.join('\n')}\n`);
    }
    expect((await runReplay(shuffled as Record<StreamName, string>, join(dir, 'order-shuffled.json'), key)).code).toBe(0);
    const base = decisions(await readReport(join(dir, 'order.json')));
    expect(base.alerts.length).toBeGreaterThan(10);
    expect(decisions(await readReport(join(dir, 'order-shuffled.json')))).toEqual(base);
    expect(decisions(await readReport(join(dir, 'order-avro.json')))).toEqual(base);
  });

  it('honours --as-of: later records take no part, timers due after it are pending', async () => {
    const files = await scenario('asof', 'systmone-2018', 'avro');
    expect((await runReplay(files, join(dir, 'asof.json'), ['--as-of', '2016-06-01T00:00:00Z'])).code).toBe(0);
    const report = await readReport(join(dir, 'asof.json'));
    expect(report.asOf).toBe('2016-06-01T00:00:00.000Z');
    expect(report.asOfSource).toBe('explicit');
    for (const a of report.alerts) expect(Date.parse(a.resolvedAt ?? a.escalatedAt ?? a.firedAt!)).toBeLessThanOrEqual(Date.parse('2016-06-01T00:00:00Z'));
    for (const p of report.pending) expect(Date.parse(p.dueAt!)).toBeGreaterThan(Date.parse('2016-06-01T00:00:00Z'));
  });

  it('gates a pipeline with --fail-on, and says one clear line for bad usage or missing input', async () => {
    const files = await scenario('gate', 'systmone-2018', 'avro');
    expect((await runReplay(files, join(dir, 'gate.json'), ['--fail-on', 'critical'])).code).toBe(1);
    const missing = await runReplay({ ...files, ndsReceived: join(dir, 'nope.avro') }, join(dir, 'x.json'));
    expect(missing.code).toBe(3);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('nope.avro');
    const badFlag = await runReplay(files, join(dir, 'x.json'), ['--sla', 'three days']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/--sla 'three days' is not a duration/);
    const notAvro = join(dir, 'not-avro.avro');
    await writeFile(notAvro, 'this is not an Avro file');
    const unreadable = await runReplay({ ...files, gpEvents: notAvro }, join(dir, 'x.json'));
    expect(unreadable.code).toBe(3);
    expect(unreadable.stderr.trim().split('\n')).toHaveLength(1);
  });
});
