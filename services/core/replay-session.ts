import type { CodeCatalogue } from './code-catalogue.js';
import type { DeadLetterReason } from './dead-letter-reason.js';
import { DisseminationJudge, type JudgedDisseminations } from './dissemination-judge.js';
import { Intake } from './intake.js';
import { admitRecords, meaningOf, NO_MEANING, type AdmittedRecords } from './admitted-records.js';
import { HeldRecords } from './held-records.js';
import { ObjectorFilter } from './objector-filter.js';
import { offerRecord } from './offer-record.js';
import { valueAt } from './packed-strings.js';
import type { ReadItem } from './read-item.js';
import { Reconciler, type Identity } from './reconciler.js';
import { STREAM_FIELDS, STREAM_NAMES, type Millis, type StreamName } from './records.js';
import type { DeadLetterEntry, ReportInput } from './replay-report.js';

// Records offered to the engine between two advances (at least; a slice never ends between equal times).
const SLICE = 1024;

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
 *
 * Records are held as columns (held-records.ts) while the inputs are read, and offered to the engine only at
 * `finish`, in event-time order, a slice at a time, each slice applied before the next is offered. Every record
 * stamped at or before an instant is offered before the engine advances to it, so the changes, timers and alerts
 * are those of offering everything and advancing once; but the engine's queue holds a slice, not every record.
 */
export class ReplaySession {
  private readonly intake: Intake;
  private reconciler: Reconciler | null;
  private readonly interned = new Map<string, string>();
  private readonly intern = (value: string): string => {
    const held = this.interned.get(value);
    if (held !== undefined) return held;
    this.interned.set(value, value);
    return value;
  };
  private readonly held = {
    gpEvents: new HeldRecords('gpEvents', this.intern),
    ndsReceived: new HeldRecords('ndsReceived', this.intern),
    ndsManifests: new HeldRecords('ndsManifests', this.intern),
    ndsDisseminations: new HeldRecords('ndsDisseminations', this.intern),
  };
  private readonly objectorSet = new Set<string>();
  private readonly deadLetters: DeadLetterEntry[] = [];
  private readonly duplicates: Record<StreamName, number> = { gpEvents: 0, ndsReceived: 0, ndsManifests: 0, ndsDisseminations: 0 };
  private readonly read: Record<StreamName, number> = { gpEvents: 0, ndsReceived: 0, ndsManifests: 0, ndsDisseminations: 0 };
  private latestEventTime: Millis | null = null;
  private disseminationsStarted = false;
  private judge: DisseminationJudge | null = null;
  private expectedDisseminations = 0;

  constructor(private readonly options: ReplayOptions) {
    this.intake = new Intake(options.catalogue);
    this.reconciler = new Reconciler({ slaMs: options.slaMs, graceMs: options.graceMs, identity: options.identity, inOrder: true });
  }

  /** A hint: about this many records of the stream are coming. */
  expect(stream: StreamName, records: number): void {
    if (stream === 'ndsDisseminations') this.expectedDisseminations = records;
    else this.intake.expect(stream, records);
  }

  /** Patients with a recorded dissent: once every GP event is fed, the only ones whose releases can breach. */
  objectors(): string[] {
    return [...this.objectorSet];
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
        const filter = new ObjectorFilter(this.objectorSet);
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
    this.held[stream].addColumns(batch.columns, batch.count, batch.meanings);
    if (stream === 'gpEvents') {
      // The same patients, in the same order, as the engine's objectors once these events are offered.
      const nhsNumbers = batch.columns[STREAM_FIELDS.gpEvents.fields.indexOf('nhsNumber')]!;
      for (let i = 0; i < batch.count; i++) if (meaningOf(batch.meanings[i]!)?.action === 'DISSENT') this.objectorSet.add(valueAt(nhsNumbers, i) as string);
    }
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
    for (const kept of batch.kept) this.held.ndsDisseminations.add(kept, NO_MEANING);
  }

  /** Applies everything up to asOf (given, or the latest event time) and returns the report's content. */
  /**
   * Applies everything up to asOf (given, or the latest event time) and returns the report's content. Once: the
   * engine and the records held are let go, so that only the content is left.
   */
  finish(): Omit<ReportInput, 'inputs'> & { readonly asOf: Millis | null } {
    const reconciler = this.reconciler;
    if (reconciler === null) throw new Error('replay: finish was called twice');
    this.reconciler = null;
    const asOf = this.options.asOf ?? this.latestEventTime;
    if (asOf !== null) this.applyHeld(reconciler, asOf);
    for (const held of Object.values(this.held)) held.release();
    return {
      asOf: asOf as Millis,
      asOfSource: this.options.asOf === null ? 'latest-event-time' : 'explicit',
      slaMs: this.options.slaMs,
      graceMs: this.options.graceMs,
      alerts: asOf === null ? [] : reconciler.alerts(),
      pending: asOf === null ? [] : reconciler.pending(),
      deadLetters: this.deadLetters,
      duplicates: { ...this.duplicates },
      latencySamples: reconciler.latencySamples(),
    };
  }

  /**
   * Offers the records held, stamped at or before asOf, in event-time order (the inputs merged), advancing the
   * engine between slices at an instant after which nothing offered is stamped and before which nothing is left.
   */
  private applyHeld(reconciler: Reconciler, asOf: Millis): void {
    const inputs = STREAM_NAMES.map((stream) => ({ held: this.held[stream] as HeldRecords<StreamName>, order: this.held[stream].timeOrder(), next: 0 }));
    let offered = 0;
    let last = -Infinity;
    for (;;) {
      let from: (typeof inputs)[number] | null = null;
      let time = Infinity;
      for (const input of inputs) {
        if (input.next < input.order.length) {
          const t = input.held.time(input.order[input.next]!);
          if (t < time) {
            time = t;
            from = input;
          }
        }
      }
      if (from === null || time > asOf) break;
      if (offered >= SLICE && time > last) {
        reconciler.advanceTo(last, false);
        offered = 0;
      }
      const i = from.order[from.next++]!;
      const held = from.held;
      offerRecord(reconciler, held.stream, held.take(i), meaningOf(held.meaning(i)) as never);
      offered++;
      last = time;
    }
    reconciler.advanceTo(asOf, false);
  }

  private deadLetter(stream: StreamName, position: number, reason: DeadLetterReason, detail: string): void {
    this.deadLetters.push({ input: stream, position, reason, detail });
  }
}

