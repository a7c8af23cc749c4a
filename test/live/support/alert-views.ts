// One shape for an alert wherever it is read (the replay's report, the alerts table, the alerts topic), so the
// live service's answers can be compared with the replay's field by field.
import { readFile } from 'node:fs/promises';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { AlertValueDecoder } from '../../../services/codec/alert-codec.js';
import { registryClient } from './confluent-scenario.js';
import type { Alert, AlertChange } from '../../../services/core/alert.js';
import type { Report } from '../../../services/core/replay-report.js';
import { main as replay } from '../../../services/replay/main.js';
import type { Scenario } from './scenario.js';

export interface AlertView {
  readonly alertId: string;
  readonly rule: string;
  readonly severity: string;
  readonly state: string;
  readonly upstreamEventId: string | null;
  readonly receiptId: string | null;
  readonly disseminationId: string | null;
  readonly patientRef: string;
  readonly practiceOds: string;
  readonly supplier: string;
  readonly optOutType: string;
  readonly episodeStart: number | null;
  readonly firedAt: number;
  readonly escalatedAt: number | null;
  readonly resolvedAt: number | null;
  readonly resolvedBy: string | null;
  readonly detectionDelayMs: number | null;
  readonly downstreamHeldAtShare: boolean | null;
  readonly recipient: string | null;
  readonly purpose: string | null;
}

const ms = (value: string | Date | number | null | undefined): number | null =>
  value === null || value === undefined ? null : typeof value === 'number' ? value : new Date(value).getTime();

const byId = (a: AlertView, b: AlertView) => (a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0);

export function viewOf(a: Alert): AlertView {
  return {
    alertId: a.alertId, rule: a.rule, severity: a.severity, state: a.state, upstreamEventId: a.upstreamEventId, receiptId: a.receiptId,
    disseminationId: a.disseminationId, patientRef: a.patientRef, practiceOds: a.practiceOds, supplier: a.supplier, optOutType: a.optOutType,
    episodeStart: a.episodeStart, firedAt: a.firedAt, escalatedAt: a.escalatedAt, resolvedAt: a.resolvedAt, resolvedBy: a.resolvedBy,
    detectionDelayMs: a.detectionDelayMs, downstreamHeldAtShare: a.downstreamHeldAtShare, recipient: a.recipient, purpose: a.purpose,
  };
}

export interface ReplayResult {
  readonly report: Report;
  readonly alerts: AlertView[];
  readonly asOf: number;
}

/** `optout-verifier replay` over the scenario's files with the service's pseudonym key. */
export async function replayScenario(scenario: Scenario, keyFile: string, extra: readonly string[] = []): Promise<ReplayResult> {
  const reportPath = `${scenario.dir}/report.json`;
  const code = await replay([
    '--gp-events', scenario.files.gpEvents, '--nds-received', scenario.files.ndsReceived, '--nds-manifests', scenario.files.ndsManifests,
    '--nds-disseminations', scenario.files.ndsDisseminations, '--report', reportPath, '--pseudonym-key-file', keyFile, '--quiet', '--no-progress', ...extra,
  ]);
  if (code !== 0) throw new Error(`replay exited ${code}`);
  const report = JSON.parse(await readFile(reportPath, 'utf8')) as Report;
  const alerts = report.alerts.map((a) => ({
    ...a, episodeStart: ms(a.episodeStart), firedAt: ms(a.firedAt)!, escalatedAt: ms(a.escalatedAt), resolvedAt: ms(a.resolvedAt),
  }) as AlertView).sort(byId);
  return { report, alerts, asOf: ms(report.asOf)! };
}

export async function storedAlerts(db: pg.Client): Promise<AlertView[]> {
  const rows = await db.query('SELECT * FROM alerts ORDER BY alert_id');
  return rows.rows.map((r: Record<string, unknown>) => ({
    alertId: r.alert_id, rule: r.rule, severity: r.severity, state: r.state, upstreamEventId: r.upstream_event_id, receiptId: r.receipt_id,
    disseminationId: r.dissemination_id, patientRef: r.patient_ref, practiceOds: r.practice_ods, supplier: r.supplier, optOutType: r.opt_out_type,
    episodeStart: ms(r.episode_start as Date | null), firedAt: ms(r.fired_at as Date)!, escalatedAt: ms(r.escalated_at as Date | null),
    resolvedAt: ms(r.resolved_at as Date | null), resolvedBy: r.resolved_by, detectionDelayMs: r.detection_delay_ms === null ? null : Number(r.detection_delay_ms),
    downstreamHeldAtShare: r.downstream_held_at_share, recipient: r.recipient, purpose: r.purpose,
  }) as AlertView);
}

export interface TopicAlerts {
  /** Each alert as its last state change on the topic says. */
  readonly alerts: AlertView[];
  /** Every message, in the order read per partition. */
  readonly changes: readonly AlertChange[];
  readonly undecodable: number;
  readonly keysMatch: boolean;
}

const ORDER = { FIRED: 0, ESCALATED: 1, RESOLVED: 2 } as const;

/**
 * Reads the alerts topic from the beginning until it has read at least `atLeast` distinct changes (an alert and a
 * transition): publishing is at least once, so a decider killed after sending a message and before marking it sent
 * leaves it twice on the topic, and counting messages could stop before the last changes are read.
 */
/** With `registryUrl`, the messages are read in the Confluent format, their writer schemas fetched from that registry. */
export async function topicAlerts(kafka: Kafka, topic: string, atLeast: number, groupId: string, timeoutMs = 30_000, registryUrl?: string): Promise<TopicAlerts> {
  const registry = registryUrl === undefined ? undefined : registryClient(registryUrl);
  const decoder = new AlertValueDecoder([], registry);
  const changes: AlertChange[] = [];
  const distinct = new Set<string>();
  let undecodable = 0;
  let keysMatch = true;
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 200, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let resolveDone: () => void = () => {};
    const done = new Promise<void>((resolve) => { resolveDone = resolve; });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const unknown = decoder.writerSchemasToFetch([message.value]);
        if (unknown.length > 0) await decoder.fetchWriterSchemas(unknown);
        const decoded = decoder.decode(message.value ?? Buffer.alloc(0));
        if (!decoded.ok) undecodable++;
        else {
          changes.push(decoded.change);
          distinct.add(`${decoded.change.alert.alertId}|${decoded.change.transition}`);
          if (message.key?.toString() !== decoded.change.alert.alertId) keysMatch = false;
        }
        if (distinct.size + undecodable >= atLeast) resolveDone();
      },
    });
    if (atLeast > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`alerts topic: ${distinct.size} of ${atLeast} changes after ${timeoutMs} ms`)), timeoutMs); })]);
      clearTimeout(timer);
    }
  } finally {
    await consumer.disconnect();
    registry?.close();
  }
  const latest = new Map<string, AlertChange>();
  for (const change of changes) {
    const before = latest.get(change.alert.alertId);
    if (!before || ORDER[change.transition] >= ORDER[before.transition]) latest.set(change.alert.alertId, change);
  }
  return { alerts: [...latest.values()].map((c) => viewOf(c.alert)).sort(byId), changes, undecodable, keysMatch };
}
