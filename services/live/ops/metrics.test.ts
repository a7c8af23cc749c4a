import { spawnSync } from 'node:child_process';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_REASONS } from '../../core/dead-letter-reason.js';
import { createVerifierMetrics, practiceLabelGuard, supplierLabelGuard, type VerifierMetrics } from './metrics.js';

const WALL_MS = Date.UTC(2025, 0, 15, 12, 0, 0);
const ALLOWED_LABELS = new Set(['rule', 'severity', 'supplier', 'practice', 'topic', 'partition', 'reason', 'stream']);
const NHS_NUMBER = '9990000018';

function fresh(options: Parameters<typeof createVerifierMetrics>[2] = {}): { registry: Registry; metrics: VerifierMetrics } {
  const registry = new Registry();
  const metrics = createVerifierMetrics(registry, { version: '0.1.0', commit: 'f0a8f8f' }, { now: () => WALL_MS, ...options });
  return { registry, metrics };
}

/** Touches every handle once, the way the service does. */
function exercise(m: VerifierMetrics): void {
  const topic = 'gp.optout.events';
  const alert = { rule: 'OBJECTION_NOT_PROPAGATED', severity: 'critical', supplier: 'TPP' };
  m.recordsConsumed.inc({ topic });
  m.deadLetters.inc({ topic, reason: 'INVALID_NHS_NUMBER' });
  m.deadLetterValuesOmitted.inc({ topic });
  m.duplicates.inc({ topic });
  m.lateRecords.inc({ topic });
  m.futureRecords.inc({ topic });
  m.openEpisodes.set({ rule: 'OBJECTION_OVERDUE', severity: 'warning', supplier: 'TPP' }, 3);
  m.openEpisodesByPractice.set({ practice: 'A81001' }, 3);
  m.alertsFired.inc(alert);
  m.alertsEscalated.inc(alert);
  m.alertsResolved.inc(alert);
  m.alertsFiring.set(alert, 1);
  m.alertLastFired.set(alert, WALL_MS / 1000);
  m.propagationLatency.observe({ supplier: 'TPP' }, 26 * 3_600);
  m.detectionDelay.observe({ rule: 'OBJECTION_OVERDUE', severity: 'warning' }, 72 * 3_600);
  m.streamTime.set({ topic }, WALL_MS / 1000 - 90);
  m.watermark.set(WALL_MS / 1000 - 600);
  m.consumerLag.set({ topic, partition: '0' }, 42);
  m.lastRecord.set({ topic }, WALL_MS / 1000);
  m.stateStoreCommitDuration.observe(0.004);
  m.outboxPending.set(2);
  m.inputStalled.set({ topic }, 1);
  m.outboxOldestUnsentAge.set(12);
  m.inputInfo.set({ topic, stream: 'gpEvents' }, 1);
  m.ingestRefusedBatches.inc({ topic });
  m.ingestAccountingMismatch.set({ topic }, 0);
  m.deciderSnapshotBytes.set(120_000);
  m.deciderSnapshotSeconds.observe(0.05);
  m.deciderTakeoverSeconds.set(1.2);
  m.deciderTakeoverRecords.set(3);
}

function sample(json: Awaited<ReturnType<Registry['getMetricsAsJSON']>>, name: string, labels: Record<string, string> = {}): number | undefined {
  const metric = json.find((entry) => entry.name === name);
  return metric?.values.find((v) => Object.entries(labels).every(([k, value]) => String(v.labels[k]) === value))?.value;
}

describe('createVerifierMetrics', () => {
  it('registers on the registry it is given and never on the global one', async () => {
    const { register: global } = await import('prom-client');
    const before = global.getMetricsAsArray().length;
    const { registry } = fresh();
    expect(registry.getMetricsAsArray().length).toBeGreaterThan(20);
    expect(global.getMetricsAsArray().length).toBe(before);
    // A second verifier in the same process (tests, replay beside live) does not collide.
    expect(() => fresh()).not.toThrow();
  });

  it('names every metric by Prometheus conventions, with labels from bounded sets only', async () => {
    const { registry } = fresh();
    for (const { name, type } of await registry.getMetricsAsJSON()) {
      const labelNames = (registry.getSingleMetric(name) as unknown as { labelNames: readonly string[] }).labelNames;
      expect(labelNames).toBeDefined();
      expect(name).toMatch(/^optout_verifier_[a-z][a-z0-9_]*[a-z0-9]$/);
      expect(name.endsWith('_total'), name).toBe(String(type) === 'counter');
      if (String(type) === 'histogram') expect(name).toMatch(/_seconds$/);
      expect(name).not.toMatch(/_(milliseconds|ms|minutes|hours|days)(_|$)/);
      const allowed = name === 'optout_verifier_build_info' ? new Set(['version', 'commit']) : ALLOWED_LABELS;
      for (const label of labelNames) expect(allowed, `${name} label ${label}`).toContain(label);
    }
  });

  it('exports every metric once exercised, and build info as 1', async () => {
    const { registry, metrics } = fresh();
    exercise(metrics);
    const json = await registry.getMetricsAsJSON();
    for (const entry of json) expect(entry.values.length, entry.name).toBeGreaterThan(0);
    expect(sample(json, 'optout_verifier_build_info', { version: '0.1.0', commit: 'f0a8f8f' })).toBe(1);
  });

  it('puts the SLA (72 h) on a bucket edge of the propagation latency histogram', async () => {
    const { registry, metrics } = fresh();
    metrics.propagationLatency.observe({ supplier: 'EMIS' }, 72 * 3_600);
    metrics.propagationLatency.observe({ supplier: 'EMIS' }, 72 * 3_600 + 1);
    const json = await registry.getMetricsAsJSON();
    const bucket = (le: number) => sample(json, 'optout_verifier_propagation_latency_seconds', { supplier: 'EMIS', le: String(le) });
    expect(bucket(72 * 3_600)).toBe(1);
    expect(bucket(96 * 3_600)).toBe(2);
  });

  it('computes stream-time and watermark lag from the wall clock at scrape', async () => {
    let wall = WALL_MS;
    const { registry, metrics } = fresh({ now: () => wall });
    expect(sample(await registry.getMetricsAsJSON(), 'optout_verifier_watermark_lag_seconds')).toBeNaN();
    metrics.streamTime.set({ topic: 'nds.disseminations' }, WALL_MS / 1000 - 30);
    metrics.watermark.set(WALL_MS / 1000 - 120);
    wall += 10_000;
    const json = await registry.getMetricsAsJSON();
    expect(sample(json, 'optout_verifier_stream_time_lag_seconds', { topic: 'nds.disseminations' })).toBe(40);
    expect(sample(json, 'optout_verifier_watermark_lag_seconds')).toBe(130);
  });

  it('creates the counters of known inputs at 0 and starts their silence clock at start', async () => {
    const { registry } = fresh({ inputTopics: ['nds.extracts.received'], deadLetterReasons: DEAD_LETTER_REASONS });
    const json = await registry.getMetricsAsJSON();
    expect(sample(json, 'optout_verifier_records_consumed_total', { topic: 'nds.extracts.received' })).toBe(0);
    for (const reason of DEAD_LETTER_REASONS) {
      expect(sample(json, 'optout_verifier_dead_letters_total', { topic: 'nds.extracts.received', reason })).toBe(0);
    }
    expect(sample(json, 'optout_verifier_last_record_timestamp_seconds', { topic: 'nds.extracts.received' })).toBe(WALL_MS / 1000);
  });

  it('passes promtool check metrics on the exposition text', async () => {
    const { registry, metrics } = fresh({ inputTopics: ['gp.optout.events'], deadLetterReasons: DEAD_LETTER_REASONS });
    exercise(metrics);
    const text = await registry.metrics();
    const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(run.error, 'promtool must be installed (CI installs it)').toBeUndefined();
    expect(`${run.stdout}${run.stderr}`.trim()).toBe('');
    expect(run.status).toBe(0);
  });
});

describe('label guards', () => {
  it('never lets an NHS number or a malformed value become a label', () => {
    const supplier = supplierLabelGuard();
    const practice = practiceLabelGuard();
    expect(supplier(NHS_NUMBER)).toBe('invalid');
    expect(practice(NHS_NUMBER)).toBe('invalid');
    expect(supplier(' tpp ')).toBe('TPP');
    expect(supplier('In Practice')).toBe('IN_PRACTICE');
    expect(practice('a81001')).toBe('A81001');
    expect(practice('A8100')).toBe('invalid');
  });

  it('caps the number of distinct values', () => {
    const supplier = supplierLabelGuard();
    const labels = new Set(Array.from({ length: 200 }, (_, i) => supplier(`SUPPLIER${i}`)));
    expect(labels.size).toBe(65);
    expect(labels).toContain('other');
    expect(supplier('SUPPLIER0')).toBe('SUPPLIER0');
  });
});
