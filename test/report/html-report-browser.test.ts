// The replay's HTML report of a simulated scenario, opened from disk in Debian's headless Chromium with the
// network off: no console error, no request beyond the file itself, the summary's counts equal the JSON
// report's, one timeline mark per week with alerts, the search filters the alert table, and no NHS number
// anywhere in the page. Leaves a screenshot in out/test/html-report.png for a person to look at.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamName } from '../../services/core/records.js';
import type { AuditReport } from '../../services/replay/audit-report.js';
import { captureReplay } from '../../services/replay/testing/replay-capture.js';
import { main as simulate } from '../../services/simulator/main.js';

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
const STEMS: Record<StreamName, string> = { gpEvents: 'gp-events', ndsReceived: 'nds-received', ndsManifests: 'nds-manifests', ndsDisseminations: 'nds-disseminations' };
const SCREENSHOT = resolve('out/test/html-report.png');
const DAY = 86_400_000;

/** Monday 00:00 UTC of the week holding t, worked out from the calendar (not the page's own arithmetic). */
function monday(iso: string): string {
  const d = new Date(iso);
  const back = (d.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - back * DAY).toISOString().slice(0, 10);
}

if (!present) process.stderr.write(`html-report-browser: skipped, ${CHROMIUM} is not installed (.ci/run installs Debian's chromium)\n`);

describe.skipIf(!present)(`the HTML report in headless Chromium${present ? '' : ` (skipped: ${CHROMIUM} is not installed; .ci/run installs it)`}`, () => {
  let dir: string;
  let browser: Browser;
  let report: AuditReport;
  let htmlPath: string;
  let nhsNumbers: Set<string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'optout-html-'));
    const out = join(dir, 'scenario');
    expect(await simulate(['--out', out, '--seed', '2018', '--practices', '20', '--patients', '8000', '--start', '2015-01-01', '--days', '1400',
      '--faults', 'systmone-2018,late-receipts,phantom-objections,bad-records', '--format', 'ndjson', '--quiet'])).toBe(0);
    const files = Object.fromEntries(Object.entries(STEMS).map(([s, stem]) => [s, join(out, `${stem}.ndjson`)])) as Record<StreamName, string>;
    htmlPath = join(dir, 'report.html');
    const run = await captureReplay(files, join(dir, 'report.json'), ['--html', htmlPath]);
    expect(run.code, run.stderr).toBe(0);
    report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as AuditReport;
    nhsNumbers = new Set();
    for (const stream of Object.keys(STEMS) as StreamName[]) {
      for (const m of (await readFile(files[stream], 'utf8')).matchAll(/"nhsNumber":"(\d{10})"/g)) nhsNumbers.add(m[1]!);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('opens from disk with no network, no console error, the JSON report\'s counts, one mark per week, and no NHS number', async () => {
    expect(report.alerts.length).toBeGreaterThan(50);
    expect(nhsNumbers.size).toBeGreaterThan(100);
    const context = await browser.newContext({ offline: true, viewport: { width: 1100, height: 1400 } });
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(htmlPath).href;
    await page.goto(url, { waitUntil: 'load' });

    const countOf = async (what: string) => Number((await page.locator(`#summary [data-count="${what}"]`).first().innerText()).replace(/,/g, ''));
    expect(await countOf('alerts')).toBe(report.alerts.length);
    expect(await countOf('patients')).toBe(new Set(report.alerts.map((a) => a.patientRef)).size);
    const shares = report.alerts.filter((a) => a.rule === 'SHARED_DESPITE_OBJECTION');
    expect(await countOf('releases')).toBe(shares.length);

    const weeks = new Set(report.alerts.flatMap((a) => [a.firedAt, a.resolvedAt]).filter((t): t is string => t !== null).map(monday));
    const marks = await page.locator('svg g.week').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-week')));
    expect(marks.length).toBe(weeks.size);
    expect(new Set(marks)).toEqual(weeks);
    expect(await page.locator('svg rect.fault').count()).toBe(1);

    await page.fill('#alert-search', 'SHARED_DESPITE_OBJECTION');
    expect(await page.locator('#alerts tbody tr:not([hidden])').count()).toBe(shares.length);
    expect(await page.locator('#alert-shown').innerText()).toBe(shares.length.toLocaleString('en-GB'));
    await page.fill('#alert-search', '');
    await page.locator('#alerts th', { hasText: 'Practice' }).click();
    const practices = await page.locator('#alerts tbody tr td:nth-child(6)').allInnerTexts();
    expect(practices).toEqual([...practices].sort());

    const html = await page.content();
    const text = await page.locator('body').innerText();
    for (const nhs of nhsNumbers) {
      expect(html.includes(nhs)).toBe(false);
    }
    // Any run of exactly ten digits that is not part of a longer hex string (references and digests are hex).
    expect(text).not.toMatch(/(?<![0-9a-f])\d{10}(?![0-9a-f])/i);
    expect(html).not.toMatch(/(?<![0-9a-f])\d{3}\s?\d{3}\s?\d{4}(?![0-9a-f])/i);

    await page.evaluate('window.scrollTo(0, 0)');
    await mkdir(resolve('out/test'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    await context.close();
  });
});
