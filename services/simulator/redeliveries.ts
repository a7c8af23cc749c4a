// Fault profile redeliveries: some records arrive twice with the same id and the same content (a retried send),
// and a few arrive again with the same id but different content, which a reader must dead-letter as
// CONFLICTING_DUPLICATE while keeping the first. Copies of a morning's or a surgery day's records come on the next
// morning; copies of a release line come straight after it.
import type { StreamName } from '../core/records.js';
import { describeFault, type FaultDescription } from './fault-description.js';
import type { FaultLedger } from './fault-ledger.js';
import { HOUR_MS } from './scenario-params.js';
import type { SeededRandom } from './seeded-random.js';
import { recordItem, type RecordItem } from './simulated-item.js';

const PROFILE = 'redeliveries';
const EXACT_SHARE = 0.002;
const CONFLICTS_PER_STREAM = 2;
const STREAMS: readonly StreamName[] = ['gpEvents', 'ndsReceived', 'ndsManifests', 'ndsDisseminations'];

export class Redeliveries {
  readonly #nextMorning = new Map<number, RecordItem[]>();
  /** Per stream, the days from which the next record gets a conflicting copy, latest first. */
  readonly #conflictsFrom: Record<StreamName, number[]>;
  readonly #conflicting = new WeakSet<RecordItem>();
  readonly #ledger: FaultLedger;
  readonly #random: SeededRandom;

  constructor(days: number, ledger: FaultLedger, random: SeededRandom) {
    this.#ledger = ledger;
    this.#random = random;
    const slots = (): number[] => Array.from({ length: CONFLICTS_PER_STREAM }, () => random.between(0, Math.max(0, days - 2))).sort((a, b) => b - a);
    this.#conflictsFrom = { gpEvents: slots(), ndsReceived: slots(), ndsManifests: slots(), ndsDisseminations: slots() };
  }

  /** Considers a morning's or a surgery day's record (made on `day`) for a copy on the next morning. */
  consider(item: RecordItem, day: number): void {
    const copy = this.#copyOf(item, day);
    if (copy === undefined) return;
    const due = this.#nextMorning.get(day + 1);
    if (due === undefined) this.#nextMorning.set(day + 1, [copy]);
    else due.push(copy);
  }

  /** A copy of a release line to send straight after it, if it gets one. */
  followUp(item: RecordItem, day: number): RecordItem | undefined {
    const copy = this.#copyOf(item, day);
    if (copy !== undefined) this.#noteSent(copy);
    return copy;
  }

  /** The copies due on this morning, noted as sent. */
  dueOn(day: number): RecordItem[] {
    const due = this.#nextMorning.get(day) ?? [];
    this.#nextMorning.delete(day);
    for (const copy of due) this.#noteSent(copy);
    return due;
  }

  #copyOf(item: RecordItem, day: number): RecordItem | undefined {
    const pending = this.#conflictsFrom[item.stream];
    const conflictFrom = pending[pending.length - 1];
    if (conflictFrom !== undefined && day >= conflictFrom) {
      pending.pop();
      const copy = conflicting(item);
      this.#conflicting.add(copy);
      return copy;
    }
    return this.#random.chance(EXACT_SHARE) ? { ...item, record: { ...item.record } } as RecordItem : undefined;
  }

  #noteSent(copy: RecordItem): void {
    const { id, at } = idAndTime(copy);
    const exact = !this.#conflicting.has(copy);
    this.#ledger.note(PROFILE, `${copy.stream}.${exact ? 'exactCopies' : 'conflictingCopies'}`, at, id);
  }

  describe(): FaultDescription {
    const counts = STREAMS.map((s) => this.#ledger.count(PROFILE, `${s}.exactCopies`) + this.#ledger.count(PROFILE, `${s}.conflictingCopies`));
    let first: number | undefined;
    let last: number | undefined;
    for (const t of this.#ledger.talliesOf(PROFILE).values()) {
      if (t.firstAt !== undefined && (first === undefined || t.firstAt < first)) first = t.firstAt;
      if (t.lastAt !== undefined && (last === undefined || t.lastAt > last)) last = t.lastAt;
    }
    return describeFault(this.#ledger, PROFILE, 'Some records are delivered twice: mostly identical copies, a few with the same id and different content.', { from: first, to: last }, {
      exactShare: EXACT_SHARE,
      copies: counts.reduce((a, b) => a + b, 0),
    });
  }
}

/** Same id, different content: a change a reader cannot mistake for the same record. */
function conflicting(item: RecordItem): RecordItem {
  switch (item.stream) {
    case 'gpEvents':
      return recordItem('gpEvents', { ...item.record, recordedAt: item.record.recordedAt + 60_000 });
    case 'ndsReceived':
      return recordItem('ndsReceived', { ...item.record, receivedAt: item.record.receivedAt + HOUR_MS });
    case 'ndsManifests':
      return recordItem('ndsManifests', { ...item.record, recordCount: item.record.recordCount + 1 });
    case 'ndsDisseminations':
      return recordItem('ndsDisseminations', { ...item.record, recipient: 'Unlisted Recipient' });
  }
}

function idAndTime(item: RecordItem): { id: string; at: number } {
  switch (item.stream) {
    case 'gpEvents':
      return { id: item.record.eventId, at: item.record.recordedAt };
    case 'ndsReceived':
      return { id: item.record.receiptId, at: item.record.receivedAt };
    case 'ndsManifests':
      return { id: item.record.extractId, at: item.record.receivedAt };
    case 'ndsDisseminations':
      return { id: item.record.disseminationId, at: item.record.sharedAt };
  }
}
