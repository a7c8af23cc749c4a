import type { CodeCatalogue } from './code-catalogue.js';
import type { DeadLetterReason } from './dead-letter-reason.js';
import { Intake } from './intake.js';
import { Reconciler, type Identity } from './reconciler.js';
import { STREAM_FIELDS, type DecodedFields, type Millis, type RecordOf, type StreamName } from './records.js';
import type { DeadLetterEntry, ReportInput } from './replay-report.js';

export interface ReplayOptions {
  readonly slaMs: Millis;
  readonly graceMs: Millis;
  readonly asOf: Millis | null;
  readonly identity: Identity;
  readonly catalogue: CodeCatalogue;
}

/** One item read from an input: its 1-based position (record ordinal, or NDJSON line), and its fields or what made it unreadable. */
export type ReadItem =
  | { readonly position: number; readonly fields: DecodedFields }
  | { readonly position: number; readonly error: string };

const OBJECTION_SIDE: readonly StreamName[] = ['gpEvents', 'ndsReceived', 'ndsManifests'];

/**
 * The auditor's replay over the core: feed every objection-side record first, then the disseminations
 * (which can then be judged as they stream by, so tens of millions need not be held), then `finish`.
 */
export class ReplaySession {
  private readonly intake: Intake;
  private readonly reconciler: Reconciler;
  private readonly deadLetters: DeadLetterEntry[] = [];
  private readonly duplicates: Record<StreamName, number> = { gpEvents: 0, ndsReceived: 0, ndsManifests: 0, ndsDisseminations: 0 };
  private readonly read: Record<StreamName, number> = { gpEvents: 0, ndsReceived: 0, ndsManifests: 0, ndsDisseminations: 0 };
  private latestEventTime: Millis | null = null;
  private disseminationsStarted = false;

  constructor(private readonly options: ReplayOptions) {
    this.intake = new Intake(options.catalogue);
    this.reconciler = new Reconciler({ slaMs: options.slaMs, graceMs: options.graceMs, identity: options.identity });
  }

  recordsRead(stream: StreamName): number {
    return this.read[stream];
  }

  feed(stream: StreamName, item: ReadItem): void {
    if (stream === 'ndsDisseminations') this.disseminationsStarted = true;
    else if (this.disseminationsStarted) throw new Error('replay: every objection-side record must be fed before the disseminations');
    this.read[stream]++;
    if ('error' in item) {
      this.deadLetter(stream, item.position, 'UNDECODABLE', item.error);
      return;
    }
    const admission = this.intake.admit(stream, item.fields);
    if (admission.kind === 'dead') return this.deadLetter(stream, item.position, admission.reason, admission.detail);
    if (admission.kind === 'duplicate') {
      this.duplicates[stream]++;
      return;
    }
    const record = admission.record;
    const time = (record as unknown as Record<string, number>)[STREAM_FIELDS[stream].time]!;
    if (this.latestEventTime === null || time > this.latestEventTime) this.latestEventTime = time;
    switch (stream) {
      case 'gpEvents': this.reconciler.offerGpEvent(record as RecordOf['gpEvents'], admission.meaning!); break;
      case 'ndsReceived': this.reconciler.offerReceipt(record as RecordOf['ndsReceived'], admission.meaning!); break;
      case 'ndsManifests': this.reconciler.offerManifest(record as RecordOf['ndsManifests']); break;
      case 'ndsDisseminations': {
        const share = record as RecordOf['ndsDisseminations'];
        if (this.reconciler.mayHoldObjection(share.nhsNumber)) this.reconciler.offerDissemination(share);
        break;
      }
    }
  }

  /** Applies everything up to asOf (given, or the latest event time) and returns the report's content. */
  finish(): Omit<ReportInput, 'inputs'> & { readonly asOf: Millis | null } {
    const asOf = this.options.asOf ?? this.latestEventTime;
    if (asOf !== null) this.reconciler.advanceTo(asOf);
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

export { OBJECTION_SIDE };
