// End to end through a real Prometheus: Debian's prometheus binary on loopback scrapes the live verifier every
// second and evaluates the project's alert rules every second; the test reads alerts from Prometheus's HTTP API.
//
// 1. A warning that later clears: a TPP type 2 objection (hand-built, 999 test range) whose practice sends no
//    extract. Once records move stream time past its SLA (72 h) the verifier fires OBJECTION_OVERDUE and
//    Prometheus fires OptOutObjectionOverdue for TPP. Then the national data service's receipt of the objection
//    arrives, the verifier resolves the alert, and the Prometheus alert clears.
// 2. The critical: the simulated systmone-2018 scenario (TPP type 2 objections withheld from the extracts) makes
//    the verifier fire OBJECTION_NOT_PROPAGATED, and Prometheus fires OptOutObjectionNotPropagated for TPP.
//
// Shortened for the test: the rules are the production rules except keep_firing_for (10m in production, which
// holds a page through a verifier restart), set to 2s in a generated copy so the cleared warning is seen within
// seconds. The production files are not changed; `for` durations are kept as they are.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamValueEncoder } from '../../services/codec/stream-value-codec.js';
import type { GpOptOutEvent, NdsDissemination, NdsReceivedObjection, RecordOf, StreamName } from '../../services/core/records.js';
import { checkDigit } from '../../services/simulator/test-nhs-numbers.js';
import { liveEnv, prepareLive, produce, startInProcess, waitUntil, type InProcessService, type LiveSetup } from '../live/support/live-harness.js';
import { LiveProbe } from '../live/support/live-probe.js';
import { seededRandom, shuffledOrder, simulateScenario, type ScenarioMessage } from '../live/support/scenario.js';
import { testStack } from '../stack/test-context.js';
import { promtool } from './ops-files.js';
import { prometheusConfig, rulesWithShortKeepFiring, startPrometheus, type PrometheusAlert, type PrometheusServer } from './prometheus-server.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const KEEP_FIRING_FOR_IN_TEST = '2s';
const JOB = 'optout-verifier';
const SCENARIO = ['--seed', '11', '--practices', '4', '--patients', '1500', '--days', '45', '--start', '2018-01-01', '--opt-outs-per-year', '0.5',
  '--disseminations-per-week', '2%', '--faults', 'systmone-2018'];
const NHS_NUMBER_LIKE = /(?<!\d)999\d{7}(?!\d)/;

/** Valid NHS numbers from the top of the 999 test range (the simulator draws from all of it; the test checks for clashes). */
function testRangeNumbers(count: number): string[] {
  const numbers: string[] = [];
  for (let prefix = 999_999_999; numbers.length < count; prefix--) {
    const check = checkDigit(prefix);
    if (check !== 10) numbers.push(`${prefix}${check}`);
  }
  return numbers;
}

function message<S extends StreamName>(stream: S, record: RecordOf[S], key: string, id: string, eventTime: number): ScenarioMessage {
  return { stream, key, value: streamValueEncoder(stream)(record), id, eventTime, position: 0 };
}

function gpEvent(record: GpOptOutEvent): ScenarioMessage {
  return message('gpEvents', record, record.nhsNumber, record.eventId, record.recordedAt);
}
function receipt(record: NdsReceivedObjection): ScenarioMessage {
  return message('ndsReceived', record, record.nhsNumber, record.receiptId, record.receivedAt);
}
/** A release for direct care: takes no part in any rule, but moves its partition's event time on. */
function directCareRelease(id: string, nhsNumber: string, sharedAt: number): ScenarioMessage {
  const record: NdsDissemination = { disseminationId: id, nhsNumber, recipient: 'GP-CONNECT', purpose: 'DIRECT_CARE', sharedAt };
  return message('ndsDisseminations', record, nhsNumber, id, sharedAt);
}

// Where a deployment keeps its copy of infra/runbook.md: Prometheus's external label runbook_base_url.
const RUNBOOK_COPY = 'https://wiki.example.nhs.uk/optout-verifier/runbook';

const firing = (alerts: readonly PrometheusAlert[], alertname: string, supplier: string) =>
  alerts.find((a) => a.labels.alertname === alertname && a.labels.supplier === supplier && a.state === 'firing');

describe('Prometheus with the project\'s rules, scraping the live verifier', () => {
  const stack = testStack();
  let setup: LiveSetup | undefined;
  let verifier: InProcessService | undefined;
  let prometheus: PrometheusServer | undefined;
  let shortened: string[] = [];

  beforeAll(async () => {
    setup = await prepareLive(stack, { partitions: 3 });
    verifier = await startInProcess(setup, liveEnv(setup));
    const dir = await mkdtemp(join(tmpdir(), 'optout-prometheus-'));
    const rules = await rulesWithShortKeepFiring(join(dir, 'rules'), KEEP_FIRING_FOR_IN_TEST);
    shortened = rules.shortened;
    const config = prometheusConfig({ job: JOB, targets: [`127.0.0.1:${verifier.service.httpPort}`], ruleFiles: rules.files, externalLabels: { runbook_base_url: RUNBOOK_COPY } });
    prometheus = await startPrometheus(dir, config);
    const check = promtool(['check', 'config', join(dir, 'prometheus.yml')]);
    expect(check.status, check.output).toBe(0);
    await waitUntil('Prometheus to scrape the verifier', async () => {
      const up = await prometheus!.query(`up{job="${JOB}"}`);
      return up.length === 1 && up[0]!.value === 1;
    }, 30_000);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await verifier?.service.stop();
    await setup?.cleanUp();
  });

  it('runs the production rules with only keep_firing_for shortened', () => {
    expect(shortened.length).toBeGreaterThanOrEqual(6);
    expect(shortened.every((line) => line.endsWith(`-> ${KEEP_FIRING_FOR_IN_TEST}`))).toBe(true);
  });

  it('fires the OBJECTION_OVERDUE warning for TPP when stream time passes the SLA, and clears it when the objection arrives', async () => {
    const live = setup!;
    const [patient, other] = testRangeNumbers(2) as [string, string];
    const t0 = Date.UTC(2017, 2, 6, 10, 0);
    const objection: GpOptOutEvent = { eventId: 'ops-e2e-ev-1', nhsNumber: patient, practiceOds: 'Y99901', supplier: 'TPP', code: 'XaaVL', recordedAt: t0 };
    // No extract from the practice arrives, so only the SLA can decide: the episode is overdue at t0 + 72 h.
    await produce(live, [gpEvent(objection), directCareRelease('ops-e2e-ds-1', other, t0 + 4 * DAY)]);

    const fired = await waitUntil('OptOutObjectionOverdue firing for TPP', async () => firing(await prometheus!.alerts(), 'OptOutObjectionOverdue', 'TPP'), 60_000);
    expect(fired.labels).toMatchObject({ severity: 'warning', rule: 'OBJECTION_OVERDUE', supplier: 'TPP' });
    expect(fired.annotations.summary).toBe('1 objection(s) from TPP practices overdue at the national data service');
    // The deployment's own copy of the runbook, from the one external label.
    expect(fired.annotations.runbook_url).toBe(`${RUNBOOK_COPY}#optoutobjectionoverdue`);
    const overdue = (await new LiveProbe(live).storedAlerts()).filter((a) => a.rule === 'OBJECTION_OVERDUE');
    expect(overdue).toMatchObject([{ state: 'FIRING', supplier: 'TPP', firedAt: t0 + 72 * HOUR }]);

    // The national data service receives the objection a day late; later records move stream time past it.
    await produce(live, [
      receipt({ receiptId: 'ops-e2e-rc-1', nhsNumber: patient, practiceOds: 'Y99901', supplier: 'TPP', code: 'XaaVL', sourceEventId: objection.eventId, extractId: 'ops-e2e-ex-1', receivedAt: t0 + 5 * DAY }),
      directCareRelease('ops-e2e-ds-2', other, t0 + 6 * DAY),
    ]);
    await waitUntil('OptOutObjectionOverdue to clear', async () => {
      const alerts = await prometheus!.alerts();
      return !alerts.some((a) => a.labels.alertname === 'OptOutObjectionOverdue');
    }, 60_000);
    const gauge = await prometheus!.query('optout_verifier_alerts_firing{rule="OBJECTION_OVERDUE",supplier="TPP"}');
    expect(gauge.map((s) => s.value)).toEqual([0]);
    const resolved = await prometheus!.query('optout_verifier_alerts_resolved_total{rule="OBJECTION_OVERDUE",supplier="TPP"}');
    expect(resolved.map((s) => s.value)).toEqual([1]);
    const resolvedAlert = (await new LiveProbe(live).storedAlerts()).filter((a) => a.rule === 'OBJECTION_OVERDUE');
    expect(resolvedAlert).toMatchObject([{ state: 'RESOLVED', resolvedBy: 'DOWNSTREAM', resolvedAt: t0 + 5 * DAY }]);
  });

  it('fires the OBJECTION_NOT_PROPAGATED page for TPP during the systmone-2018 scenario', async () => {
    const live = setup!;
    const scenario = await simulateScenario(join(live.dir, 'scenario'), SCENARIO);
    const handBuilt = new Set(testRangeNumbers(2));
    expect(scenario.messages.filter((m) => handBuilt.has(m.key))).toEqual([]);
    // In event-time order, as the national feeds would deliver it.
    await produce(live, shuffledOrder(scenario.messages, 0, seededRandom(1)));

    const page = await waitUntil('OptOutObjectionNotPropagated firing for TPP', async () => firing(await prometheus!.alerts(), 'OptOutObjectionNotPropagated', 'TPP'), 60_000);
    expect(page.labels).toMatchObject({ severity: 'critical', rule: 'OBJECTION_NOT_PROPAGATED', supplier: 'TPP' });
    expect(Number(page.value)).toBeGreaterThanOrEqual(1);
    expect(page.annotations.runbook_url).toBe(`${RUNBOOK_COPY}#optoutobjectionnotpropagated`);
    const missing = (await new LiveProbe(live).storedAlerts()).filter((a) => a.rule === 'OBJECTION_NOT_PROPAGATED' && a.state === 'FIRING' && a.supplier === 'TPP');
    expect(missing.length).toBeGreaterThanOrEqual(1);
    // Only TPP practices were affected: no other supplier is paged for this rule.
    const others = (await prometheus!.alerts()).filter((a) => a.labels.alertname === 'OptOutObjectionNotPropagated' && a.labels.supplier !== 'TPP');
    expect(others).toEqual([]);

    // What Prometheus holds about the alerts names suppliers and rules, never a patient.
    const everything = JSON.stringify(await prometheus!.alerts());
    expect(everything).not.toMatch(NHS_NUMBER_LIKE);
    // The verifier's own health alerts stay quiet meanwhile.
    const health = (await prometheus!.alerts()).filter((a) => a.state === 'firing' && !a.labels.rule);
    expect(health).toEqual([]);
  });
});
