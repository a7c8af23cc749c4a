// What a live test reads of the service's state, in the service's own words: how far it has got (progress), whether
// it has finished what it was given (settled), and whether its answers are the replay's (expectMatchesReplay).
// The only place, with the other files of this folder, where a live test reads the service's tables.
import { expect } from 'vitest';
import { DEAD_LETTER_REASONS } from '../../../services/core/dead-letter-reason.js';
import { STREAM_NAMES, type StreamName } from '../../../services/core/records.js';
import { storedAlerts, topicAlerts, type AlertView, type ReplayResult } from './alert-views.js';
import { waitUntil, type LiveSetup } from './live-harness.js';
import { deadLetters, storedRecordIds, type StoreReader } from './store-inspection.js';

export interface Progress {
  /** The decider's stream time; null before its first round. */
  readonly streamTimeMs: number | null;
  /** The decider's leader, if one has claimed the schema. */
  readonly leader: string | null;
  /** Records read from the input topics (next offsets summed over every partition). */
  readonly ingested: number;
  /** Alert messages queued, and those not yet on the alerts topic. */
  readonly outbox: number;
  readonly unsent: number;
  /** Records the decider has applied (decided offsets summed), dead letters noted, engine snapshots kept. */
  readonly decided: number;
  readonly deadLetters: number;
  readonly snapshots: number;
  /** When the latest engine snapshot was taken (epoch ms), 0 before the first. */
  readonly snapshotAt: number;
}

export class LiveProbe {
  /** `db`: how to reach the schema, when not through the harness's connection (a server that restarts under the test). */
  constructor(private readonly setup: LiveSetup, private readonly db: StoreReader = setup.db) {}

  async progress(): Promise<Progress> {
    const { rows: [row] } = await this.db.query<Omit<Progress, 'streamTimeMs'> & { stream_time_ms: string | null }>(`SELECT
      (SELECT stream_time_ms FROM decider_state) AS stream_time_ms, (SELECT leader FROM decider_state) AS leader,
      (SELECT coalesce(sum(next_offset), 0)::int FROM input_partitions) AS ingested,
      (SELECT count(*)::int FROM alert_outbox) AS outbox, (SELECT count(*)::int FROM alert_outbox WHERE sent_at IS NULL) AS unsent,
      (SELECT coalesce(sum(decided_offset), 0)::int FROM decider_offsets) AS decided,
      (SELECT count(*)::int FROM dead_letters) AS "deadLetters", (SELECT count(*)::int FROM decider_snapshot) AS snapshots,
      (SELECT coalesce((extract(epoch FROM max(taken_at)) * 1000)::bigint, 0)::float8 FROM decider_snapshot) AS "snapshotAt"`);
    const { stream_time_ms: streamTime, ...rest } = row!;
    return { streamTimeMs: streamTime === null ? null : Number(streamTime), ...rest };
  }

  /** Stream time has reached `asOf` and every alert message is on the topic (and, given `ingested`, that many records read). */
  async settled(asOf: number, ingested?: number): Promise<boolean> {
    const p = await this.progress();
    return p.streamTimeMs === asOf && p.unsent === 0 && (ingested === undefined || p.ingested === ingested);
  }

  /** Waits until settled; `log` names the service's log file for the failure message. */
  async waitSettled(asOf: number, log: string, options: { ingested?: number; timeoutMs?: number } = {}): Promise<Progress> {
    await waitUntil(`stream time to reach ${new Date(asOf).toISOString()} with every alert sent (log: ${log})`, () => this.settled(asOf, options.ingested), options.timeoutMs ?? 90_000);
    return this.progress();
  }

  storedAlerts(): Promise<AlertView[]> {
    return storedAlerts(this.setup.db);
  }

  /** Every alert message queued, as `alertId|transition`. */
  async outboxChanges(): Promise<string[]> {
    const { rows } = await this.db.query<{ alert_id: string; transition: string }>('SELECT alert_id, transition FROM alert_outbox');
    return rows.map((r) => `${r.alert_id}|${r.transition}`);
  }

  /** The ids of the records stored (every stream), sorted. */
  storedRecordIds(): Promise<string[]> {
    return storedRecordIds(this.db);
  }

  /** The offsets the engine snapshot covers, and the decided offsets, each as `topic:partition` to offset. */
  async snapshotAndDecidedOffsets(): Promise<{ snapshot: unknown; decided: Record<string, number> }> {
    const snapshot = await this.db.query<{ offsets: unknown }>('SELECT offsets FROM decider_snapshot');
    const decided = await this.db.query<{ topic: string; partition: number; decided_offset: string }>('SELECT topic, partition, decided_offset FROM decider_offsets');
    return { snapshot: snapshot.rows[0]?.offsets, decided: Object.fromEntries(decided.rows.map((r) => [`${r.topic}:${r.partition}`, Number(r.decided_offset)])) };
  }

  /** The dead letters noted, in topic and offset order. */
  deadLetters(): ReturnType<typeof deadLetters> {
    return deadLetters(this.db);
  }

  /** The instances that lately said they hold the stored snapshot warm. */
  async standbysHoldingTheSnapshot(): Promise<string[]> {
    const { rows } = await this.db.query<{ instance_name: string }>(`SELECT b.instance_name FROM decider_standbys b JOIN decider_snapshot s
  ON b.stream_time_ms IS NOT DISTINCT FROM s.stream_time_ms AND b.offsets = s.offsets ORDER BY 1`);
    return rows.map((r) => r.instance_name);
  }

  async deadLettersByReason(): Promise<Record<string, number>> {
    const { rows } = await this.db.query<{ reason: string; n: number }>('SELECT reason, count(*)::int AS n FROM dead_letters GROUP BY reason');
    return Object.fromEntries(DEAD_LETTER_REASONS.map((r) => [r, rows.find((row) => row.reason === r)?.n ?? 0]));
  }

  async duplicatesByStream(): Promise<Record<StreamName, number>> {
    const { rows } = await this.db.query<{ topic: string; n: number }>('SELECT topic, sum(duplicates)::int AS n FROM input_partitions GROUP BY topic');
    return Object.fromEntries(STREAM_NAMES.map((s) => [s, rows.find((r) => r.topic === this.setup.topics[s])?.n ?? 0])) as Record<StreamName, number>;
  }

  /**
   * The service's alerts, in PostgreSQL and on the alerts topic, are the replay's; with `records`, that many were
   * read, and the dead letters and duplicates are the replay's too.
   */
  async expectMatchesReplay(replayed: ReplayResult, options: { readerGroup: string; records?: number; registryUrl?: string }): Promise<void> {
    const progress = await this.progress();
    expect(await this.storedAlerts()).toEqual(replayed.alerts);
    const onTopic = await topicAlerts(this.setup.kafka, this.setup.topics.alerts, progress.outbox, options.readerGroup, 30_000, options.registryUrl);
    expect(onTopic.undecodable).toBe(0);
    expect(onTopic.keysMatch).toBe(true);
    expect(onTopic.alerts).toEqual(replayed.alerts);
    if (options.records === undefined) return;
    expect(progress.ingested).toBe(options.records);
    expect(await this.deadLettersByReason()).toEqual(replayed.report.deadLetters.byReason);
    expect(await this.duplicatesByStream()).toEqual(replayed.report.duplicates.byInput);
  }
}
