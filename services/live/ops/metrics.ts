// Prometheus metrics of the live verifier, on a registry the service creates and passes in.
// Names follow Prometheus conventions: prefix optout_verifier_, base units (seconds),
// counters end in _total. Labels come from bounded sets only (topic, partition, reason, rule,
// severity, supplier, practice): never a patient, never an NHS number, never an id of a record.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const PREFIX = 'optout_verifier_';

/** Seconds to weeks: the SLA default (72 h) is a bucket edge, and +Inf holds the years-long tail of 2018. */
export const PROPAGATION_BUCKETS_SECONDS: readonly number[] = [
  1, 10, 60, 300, 900, 1_800, 3_600, 3 * 3_600, 6 * 3_600, 12 * 3_600,
  86_400, 2 * 86_400, 3 * 86_400, 4 * 86_400, 7 * 86_400, 14 * 86_400, 28 * 86_400, 91 * 86_400, 365 * 86_400,
];

/** One state-store commit: a few milliseconds normally, seconds when PostgreSQL is struggling. */
export const COMMIT_BUCKETS_SECONDS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface VerifierMetricsOptions {
  /** Wall clock in epoch milliseconds, read at scrape time for the lag gauges. Default Date.now. */
  readonly now?: () => number;
  /**
   * Input topics, when known at start: their counters are created at 0 (so rate() and increase()
   * see the first record) and their last-record time is set to the start time (so an input that
   * stays silent from the start still shows its age).
   */
  readonly inputTopics?: readonly string[];
  /** The stream each input topic carries (gpEvents, ndsReceived, ...), exported as optout_verifier_input_info. */
  readonly inputStreams?: Readonly<Record<string, string>>;
  /** Reason codes to create dead-letter counters for at 0, per input topic. */
  readonly deadLetterReasons?: readonly string[];
}

export interface VerifierMetrics {
  /** Records read from each input topic: every record, including dead letters, duplicates and late ones. */
  readonly recordsConsumed: Counter<'topic'>;
  /** Records sent to the dead-letter topic, by source topic and reason code. */
  readonly deadLetters: Counter<'topic' | 'reason'>;
  readonly deadLetterValuesOmitted: Counter<'topic'>;
  /** Valid records whose id was already seen with the same content (counted, otherwise ignored). */
  readonly duplicates: Counter<'topic'>;
  /** Records whose event time is behind their input's stream time when they arrive. */
  readonly lateRecords: Counter<'topic'>;
  /** Records dated after the wall clock plus MAX_FUTURE when read: they wait in the engine until stream time reaches them. */
  readonly futureRecords: Counter<'topic'>;
  /**
   * Episodes open now, by the rule they fall under (fired or still waiting for its time) and that
   * rule's severity, and by supplier of the causing record. Set from the state store at start.
   */
  readonly openEpisodes: Gauge<'rule' | 'severity' | 'supplier'>;
  /**
   * Episodes open now, by practice (ODS code) of the causing record. Practices are a bounded set
   * (about 6,500 in England); the label is not crossed with rule or supplier, so this is at most one
   * series per practice. Remove a practice's series when its count falls to 0.
   */
  readonly openEpisodesByPractice: Gauge<'practice'>;
  /** Alerts fired, by rule, severity and supplier. */
  readonly alertsFired: Counter<'rule' | 'severity' | 'supplier'>;
  /** OBJECTION_OVERDUE alerts escalated, labelled with the rule and severity they escalated to. */
  readonly alertsEscalated: Counter<'rule' | 'severity' | 'supplier'>;
  /** Alerts resolved (their episode closed), by the rule and severity they had when resolved. */
  readonly alertsResolved: Counter<'rule' | 'severity' | 'supplier'>;
  /**
   * Alerts in state FIRING now. Set from the state store at start, before the first scrape; the
   * paging rules fire while it is above 0. SHARED_DESPITE_OBJECTION alerts never resolve, so they
   * stay counted here: page on alertLastFired for those.
   */
  readonly alertsFiring: Gauge<'rule' | 'severity' | 'supplier'>;
  /** Wall-clock time (epoch seconds) the service last fired an alert of this rule. Not restored at start. */
  readonly alertLastFired: Gauge<'rule' | 'severity' | 'supplier'>;
  /** Upstream-caused episodes closed by downstream: close − start in event time, in seconds. */
  readonly propagationLatency: Histogram<'supplier'>;
  /** Alert firing event time − episode start, in seconds. Not observed for SHARED_DESPITE_OBJECTION. */
  readonly detectionDelay: Histogram<'rule' | 'severity'>;
  /** Highest event time (epoch seconds) consumed from each input. */
  readonly streamTime: Gauge<'topic'>;
  /** Wall clock − streamTime, in seconds, computed at scrape. */
  readonly streamTimeLag: Gauge<'topic'>;
  /** The verifier's stream time (epoch seconds): timers due at or before it have fired. */
  readonly watermark: Gauge;
  /** Wall clock − watermark, in seconds, computed at scrape; NaN before the watermark is first set. */
  readonly watermarkLag: Gauge;
  /** Records in the partition not yet consumed by the verifier's group (log end − committed offset). */
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  /** Wall-clock time (epoch seconds) the last record was consumed from each input. */
  readonly lastRecord: Gauge<'topic'>;
  /** Duration of one state-store commit (state, timers, alerts and outbox in one transaction). */
  readonly stateStoreCommitDuration: Histogram;
  /** Alert messages committed to the outbox and not yet published to the alerts topic. */
  readonly outboxPending: Gauge;
  /** Always 1; labels version and commit of the running build. */
  readonly buildInfo: Gauge<'version' | 'commit'>;
  /** Transient PostgreSQL failures (unreachable, connection lost, server restarting) retried with backoff. */
  readonly postgresqlRetries: Counter;
  /** Transient Kafka failures (broker unreachable, leader moving) retried with backoff. */
  readonly kafkaRetries: Counter;
  /** Schema Registry requests that failed and were retried (VALUE_ENCODING=confluent): the batch waits meanwhile. */
  readonly schemaRegistryRetries: Counter;
  /** 1 while this instance is the elected decider (one per consumer group and schema), else 0. */
  readonly deciderLeader: Gauge;
  /** 1 while a partition of the input assigned to this instance has lag and has stored nothing for STALL_TIMEOUT. */
  readonly inputStalled: Gauge<'topic'>;
  /** Wall clock − decision time of the oldest alert message not yet published, in seconds; 0 when none waits. */
  readonly outboxOldestUnsentAge: Gauge;
  /** Always 1: which input stream each topic carries, so rules can treat streams by kind whatever the topic names. */
  readonly inputInfo: Gauge<'topic' | 'stream'>;
  /** Batches refused because their fetch began beyond the partition's stored offset, and read again from it. */
  readonly ingestRefusedBatches: Counter<'topic'>;
  /**
   * Offsets of each input topic that ingest has passed without accounting for them as a stored record, a duplicate, a
   * dead letter or an offset absent from the log (summed over partitions, in absolute value). 0 normally: anything
   * else is records lost (or counted twice). Set by the periodic check of the stored counts.
   */
  readonly ingestAccountingMismatch: Gauge<'topic'>;
  /** Size of the decider's last engine snapshot, compressed, in bytes. */
  readonly deciderSnapshotBytes: Gauge;
  /** Retention passes (after a snapshot) that failed: what decisions no longer need stays stored until one succeeds. */
  readonly retentionFailures: Counter<never>;
  readonly retentionPasses: Counter<never>;
  /** Time to take one engine snapshot (state, encoding, compression), in seconds. */
  readonly deciderSnapshotSeconds: Histogram;
  /** Time the elected decider took to make its engine ready (snapshot restored, records after it replayed), in seconds. */
  readonly deciderTakeoverSeconds: Gauge;
  readonly deciderTakeoverWarm: Gauge;
  readonly deciderStandbyWarm: Gauge;
  readonly deciderTakeoverRecords: Gauge;
  /** Patients the engine holds (once per opt-out type): what its snapshot and a takeover grow with. */
  readonly enginePatientKeys: Gauge;
}

export function createVerifierMetrics(
  registry: Registry,
  build: { version: string; commit?: string },
  options: VerifierMetricsOptions = {},
): VerifierMetrics {
  const now = options.now ?? Date.now;
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name: PREFIX + name, help, labelNames, registers });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Gauge<L>({ name: PREFIX + name, help, labelNames, registers });
  const alertLabels = ['rule', 'severity', 'supplier'] as const;

  const streamTime = gauge('stream_time_seconds', 'Highest event time consumed from each input, in seconds since the epoch.', ['topic']);
  const watermark = new Gauge({
    name: PREFIX + 'watermark_seconds', help: 'Stream time of the verifier, in seconds since the epoch: timers due at or before it have fired.', registers,
  });

  const metrics: VerifierMetrics = {
    recordsConsumed: counter('records_consumed_total', 'Records read from each input topic, dead letters, duplicates and late records included.', ['topic']),
    deadLetters: counter('dead_letters_total', 'Records sent to the dead-letter topic, by source topic and reason code.', ['topic', 'reason']),
    deadLetterValuesOmitted: counter('dead_letter_values_omitted_total', 'Dead letters sent without the input\'s bytes, which the dead-letter topic refused as too large, by source topic.', ['topic']),
    duplicates: counter('duplicates_total', 'Valid records whose id was already seen with the same content.', ['topic']),
    lateRecords: counter('late_records_total', 'Records whose event time is behind their input\'s stream time on arrival.', ['topic']),
    futureRecords: counter('future_records_total', 'Records dated beyond the wall clock plus MAX_FUTURE when read; they wait until stream time reaches them.', ['topic']),
    openEpisodes: gauge('open_episodes', 'Open episodes by the rule they fall under, its severity, and supplier.', alertLabels),
    openEpisodesByPractice: gauge('open_episodes_by_practice', 'Open episodes by practice ODS code of the causing record.', ['practice']),
    alertsFired: counter('alerts_fired_total', 'Alerts fired, by rule, severity and supplier.', alertLabels),
    alertsEscalated: counter('alerts_escalated_total', 'Alerts escalated, by the rule and severity they escalated to, and supplier.', alertLabels),
    alertsResolved: counter('alerts_resolved_total', 'Alerts resolved, by rule, severity and supplier.', alertLabels),
    alertsFiring: gauge('alerts_firing', 'Alerts in state FIRING now, by rule, severity and supplier.', alertLabels),
    alertLastFired: gauge('alert_last_fired_timestamp_seconds', 'Wall-clock time the last alert of this rule fired, in seconds since the epoch.', alertLabels),
    propagationLatency: new Histogram({
      name: PREFIX + 'propagation_latency_seconds',
      help: 'Event time from an upstream change to the downstream change that matched it, by supplier.',
      labelNames: ['supplier'], buckets: [...PROPAGATION_BUCKETS_SECONDS], registers,
    }),
    detectionDelay: new Histogram({
      name: PREFIX + 'detection_delay_seconds',
      help: 'Event time from the start of an episode to its alert firing, by rule and severity.',
      labelNames: ['rule', 'severity'], buckets: [...PROPAGATION_BUCKETS_SECONDS], registers,
    }),
    streamTime,
    streamTimeLag: new Gauge({
      name: PREFIX + 'stream_time_lag_seconds',
      help: 'Wall clock minus the stream time of each input, in seconds.',
      labelNames: ['topic'], registers,
      async collect() {
        const wallSeconds = now() / 1000;
        const { values } = await streamTime.get();
        this.reset();
        for (const { labels, value } of values) this.set({ topic: String(labels.topic) }, wallSeconds - value);
      },
    }),
    watermark,
    watermarkLag: new Gauge({
      name: PREFIX + 'watermark_lag_seconds',
      help: 'Wall clock minus the verifier\'s stream time, in seconds.',
      registers,
      async collect() {
        // An unlabelled gauge always exports a value; 0 means no stream time yet, and a lag of
        // 55 years (or of 0) would mislead, so the lag is NaN until the watermark is set.
        const value = (await watermark.get()).values[0]?.value ?? 0;
        this.set(value > 0 ? now() / 1000 - value : Number.NaN);
      },
    }),
    consumerLag: gauge('consumer_lag_records', 'Records in each partition not yet consumed by the verifier\'s consumer group.', ['topic', 'partition']),
    lastRecord: gauge('last_record_timestamp_seconds', 'Wall-clock time the last record was consumed from each input, in seconds since the epoch.', ['topic']),
    stateStoreCommitDuration: new Histogram({
      name: PREFIX + 'state_store_commit_duration_seconds',
      help: 'Duration of one state-store commit, in seconds.',
      buckets: [...COMMIT_BUCKETS_SECONDS], registers,
    }),
    outboxPending: new Gauge({ name: PREFIX + 'outbox_pending_messages', help: 'Alert messages in the outbox not yet published.', registers }),
    buildInfo: gauge('build_info', 'Build of the running verifier; always 1.', ['version', 'commit']),
    postgresqlRetries: new Counter({ name: PREFIX + 'postgresql_retries_total', help: 'Transient PostgreSQL failures retried with backoff.', registers }),
    kafkaRetries: new Counter({ name: PREFIX + 'kafka_retries_total', help: 'Transient Kafka failures retried with backoff.', registers }),
    schemaRegistryRetries: new Counter({ name: PREFIX + 'schema_registry_retries_total', help: 'Schema Registry requests failed (unreachable, 5xx, timeout) and retried with backoff; the batch waits.', registers }),
    deciderLeader: new Gauge({ name: PREFIX + 'decider_leader', help: '1 while this instance is the elected decider, else 0.', registers }),
    inputStalled: gauge('input_stalled', '1 while an input partition of this instance has lag and has stored nothing for the stall timeout.', ['topic']),
    outboxOldestUnsentAge: new Gauge({
      name: PREFIX + 'outbox_oldest_unsent_age_seconds', help: 'Age of the oldest alert message in the outbox not yet published, in seconds; 0 when none waits.', registers,
    }),
    inputInfo: gauge('input_info', 'Which input stream each topic carries; always 1.', ['topic', 'stream']),
    ingestRefusedBatches: counter('ingest_refused_batches_total', 'Batches refused because their fetch began beyond the stored offset, read again from it.', ['topic']),
    ingestAccountingMismatch: gauge('ingest_accounting_mismatch', 'Offsets ingest has passed without a stored record, duplicate, dead letter or absent offset to account for them.', ['topic']),
    deciderSnapshotBytes: gauge('decider_snapshot_bytes', 'Size of the decider\'s last engine snapshot, compressed, in bytes.', []),
    retentionFailures: counter('retention_failures_total', 'Retention passes that failed: records a snapshot covers, forgotten ids and old dead-letter notes stay stored until one succeeds.', []),
    retentionPasses: counter('retention_passes_total', 'Retention passes that succeeded, each after a snapshot.', []),
    deciderSnapshotSeconds: new Histogram({
      name: PREFIX + 'decider_snapshot_duration_seconds', help: 'Time to take one engine snapshot, in seconds.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers,
    }),
    deciderTakeoverSeconds: gauge('decider_takeover_seconds', 'Time the elected decider took to make its engine ready (snapshot restored, later records replayed), in seconds.', []),
    deciderStandbyWarm: gauge('decider_standby_warm', 'While another instance decides: whether this one held the stored snapshot restored when it last looked (every second, less often while restores are long), ready for a takeover that replays only the records after it (STANDBY_WARM).', []),
    deciderTakeoverWarm: gauge('decider_takeover_warm', 'Whether the elected decider started from the engine it had kept warm while standing by (1), or restored the snapshot when elected (0).', []),
    deciderTakeoverRecords: gauge('decider_takeover_records', 'Stored records the elected decider replayed after restoring the snapshot when it took over.', []),
    enginePatientKeys: gauge('engine_patient_keys', 'Patients the decider\'s engine holds, once per opt-out type with a history it keeps (objectors, open episodes, recent changes): what its snapshot and takeover grow with.', []),
  };

  metrics.buildInfo.set({ version: build.version, commit: build.commit ?? 'unknown' }, 1);
  metrics.retentionFailures.inc(0);
  metrics.retentionPasses.inc(0);
  const startSeconds = now() / 1000;
  for (const [topic, stream] of Object.entries(options.inputStreams ?? {})) metrics.inputInfo.set({ topic, stream }, 1);
  for (const topic of options.inputTopics ?? []) {
    metrics.recordsConsumed.inc({ topic }, 0);
    metrics.duplicates.inc({ topic }, 0);
    metrics.lateRecords.inc({ topic }, 0);
    metrics.ingestRefusedBatches.inc({ topic }, 0);
    metrics.ingestAccountingMismatch.set({ topic }, 0);
    metrics.futureRecords.inc({ topic }, 0);
    metrics.lastRecord.set({ topic }, startSeconds);
    for (const reason of options.deadLetterReasons ?? []) metrics.deadLetters.inc({ topic, reason }, 0);
  }
  return metrics;
}

const SUPPLIER = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
const PRACTICE_ODS = /^[A-Z][0-9]{5}$/;

/**
 * Guards a label whose values come from input data: a value that does not look like the label's
 * kind (an NHS number in the supplier field, say) becomes `invalid`, and after `limit` distinct
 * values every new one becomes `other`, so a bad feed cannot grow the series without bound.
 */
export function boundedLabel(pattern: RegExp, limit: number, normalise: (raw: string) => string = (raw) => raw): (raw: string) => string {
  const seen = new Set<string>();
  return (raw) => {
    const value = normalise(raw.trim());
    if (!pattern.test(value)) return 'invalid';
    if (seen.has(value)) return value;
    if (seen.size >= limit) return 'other';
    seen.add(value);
    return value;
  };
}

/** Supplier label: upper case, spaces as underscores, at most 64 distinct values. */
export const supplierLabelGuard = (): ((raw: string) => string) =>
  boundedLabel(SUPPLIER, 64, (raw) => raw.toUpperCase().replace(/\s+/g, '_'));

/** Practice label: an ODS code of one letter and five digits, at most 10,000 distinct values. */
export const practiceLabelGuard = (): ((raw: string) => string) => boundedLabel(PRACTICE_ODS, 10_000, (raw) => raw.toUpperCase());
