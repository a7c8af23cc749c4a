import type { CodeCatalogue } from './code-catalogue.js';
import type { DeadLetterReason } from './dead-letter-reason.js';
import { DisseminationJudge, type JudgedDisseminations } from './dissemination-judge.js';
import { Intake } from './intake.js';
import { admitRecords, admittedRecords, meaningOf, type AdmittedRecords } from './admitted-records.js';
import { ObjectorFilter } from './objector-filter.js';
import { offerRecord } from './offer-record.js';
import type { ReadItem } from './read-item.js';
import { Reconciler, type Identity } from './reconciler.js';
import type { Millis, StreamName } from './records.js';
import type { DeadLetterEntry, ReportInput } from './replay-report.js';

export interface ReplayOptions {
  readonly slaMs: Millis;
  readonly graceMs: Millis;
  readonly asOf: Millis | null;
  readonly identity: Identity;
  readonly catalogue: CodeCatalogue;
}

/**
 * The auditor's replay over the core: feed every GP event before any dissemination (so that only releases of
 * patients with a recorded dissent need be kept, and tens of millions need not be held), then `finish`.
 * Inputs are otherwise independent: each is read in its own file order.
 */
export class ReplaySession {
  private readonly intake: Intake;
  private readonly reconciler: Reconciler;
  private readonly deadLetters: DeadLetterEntry[] = [];
  private readonly duplicates: Record<StreamName, number> = { gpEvents: 0, ndsReceived: 0, ndsManifests: 0, ndsDisseminations: 0 };
  private readonly read: Record<StreamName, number> = { gpEvents: 0, ndsReceived: 0, ndsManifests: 0, ndsDisseminations: 0 };
  private latestEventTime: Millis | null = null;
  private disseminationsStarted = false;
  private judge: DisseminationJudge | null = null;
  private expectedDisseminations = 0;

  constructor(private readonly options: ReplayOptions) {
    this.intake = new Intake(options.catalogue);
    this.reconciler = new Reconciler({ slaMs: options.slaMs, graceMs: options.graceMs, identity: options.identity });
  }

  /** A hint: about this many records of the stream are coming. */
  expect(stream: StreamName, records: number): void {
    if (stream === 'ndsDisseminations') this.expectedDisseminations = records;
    else this.intake.expect(stream, records);
  }

  /** Patients with a recorded dissent: once every GP event is fed, the only ones whose releases can breach. */
  objectors(): string[] {
    return this.reconciler.objectors();
  }

  recordsRead(stream: StreamName): number {
    return this.read[stream];
  }

  feed(stream: StreamName, item: ReadItem): void {
    this.feedBatch(stream, [item]);
  }

  /** Feeds a file's records in file order, a batch at a time. */
  feedBatch(stream: StreamName, items: readonly ReadItem[]): void {
    if (stream === 'ndsDisseminations') {
      if (this.judge === null) {
        const filter = new ObjectorFilter(this.reconciler.objectors());
        this.judge = new DisseminationJudge(this.options.catalogue, (nhs) => filter.has(nhs));
        this.judge.expect(this.expectedDisseminations);
      }
      this.feedJudgedDisseminations(this.judge.judge(items));
      return;
    }
    this.feedAdmitted(admitRecords(this.intake, stream, items));
  }

  /** A batch of an objection-side input after intake (here, or on another thread with admitRecords), in file order. */
  feedAdmitted(batch: AdmittedRecords): void {
    const stream = batch.stream;
    if (stream === 'gpEvents' && this.disseminationsStarted) throw new Error('replay: every GP event must be fed before the disseminations');
    this.read[stream] += batch.items;
    this.duplicates[stream] += batch.duplicates;
    for (const d of batch.dead) this.deadLetter(stream, d.position, d.reason, d.detail);
    if (batch.latest !== -Infinity && (this.latestEventTime === null || batch.latest > this.latestEventTime)) this.latestEventTime = batch.latest;
    const reconciler = this.reconciler;
    const records = admittedRecords(batch);
    const meanings = batch.meanings;
    for (let i = 0; i < records.length; i++) offerRecord(reconciler, stream, records[i]!, meaningOf(meanings[i]!));
  }

  /**
   * Disseminations judged in file order (here, or on another thread with a DisseminationJudge given the
   * objectors): the kept lines, of patients with a recorded dissent, are offered for judgement.
   */
  feedJudgedDisseminations(batch: JudgedDisseminations): void {
    this.disseminationsStarted = true;
    this.read.ndsDisseminations += batch.items;
    this.duplicates.ndsDisseminations += batch.duplicates;
    for (const d of batch.dead) this.deadLetter('ndsDisseminations', d.position, d.reason, d.detail);
    if (batch.latest !== -Infinity && (this.latestEventTime === null || batch.latest > this.latestEventTime)) this.latestEventTime = batch.latest;
    for (const kept of batch.kept) offerRecord(this.reconciler, 'ndsDisseminations', kept, null);
  }

  /** Applies everything up to asOf (given, or the latest event time) and returns the report's content. */
  finish(): Omit<ReportInput, 'inputs'> & { readonly asOf: Millis | null } {
    const asOf = this.options.asOf ?? this.latestEventTime;
    if (asOf !== null) this.reconciler.advanceTo(asOf, false);
    return {
      asOf: asOf as Millis,
      asOfSource: this.options.asOf === null ? 'latest-event-time' : 'explicit',
      slaMs: this.options.slaMs,
      graceMs: this.options.graceMs,
      alerts: asOf === null ? [] : this.reconciler.alerts(),
      pending: asOf === null ? [] : this.reconciler.pending(),
      deadLetters: this.deadLetters,
      duplicates: { ...this.duplicates },
      latencySamples: this.reconciler.latencySamples(),
    };
  }

  private deadLetter(stream: StreamName, position: number, reason: DeadLetterReason, detail: string): void {
    this.deadLetters.push({ input: stream, position, reason, detail });
  }
}

