// Fault profile bad-records: a few records in every stream that a reader must send to the dead-letter stream,
// one kind per dead-letter reason (reconciliation-rules.md, "Precise points"). Records with an invalid NHS
// number take the id that the next valid record of their stream also gets, so that a reader that let an invalid
// record claim its id would wrongly count the valid one as a duplicate.
// Avro cannot carry a missing field or a line that is not a record: those two kinds appear in NDJSON only. An
// enum symbol outside the contract appears in both (in Avro through a writer schema with one more symbol).
import type { CodeCatalogue } from '../core/code-catalogue.js';
import type { StreamName } from '../core/records.js';
import type { ExtractEntry } from './extract-entry.js';
import { describeFault, type FaultDescription } from './fault-description.js';
import type { FaultLedger } from './fault-ledger.js';
import type { IdSequence } from './id-sequence.js';
import { extractIdOf } from './practice-extract.js';
import type { PracticeRoster } from './practice-roster.js';
import { DAY_MS, HOUR_MS, type TargetFormat } from './scenario-params.js';
import type { SeededRandom } from './seeded-random.js';
import { recordItem, type SimulatedItem } from './simulated-item.js';
import { invalidTestNhsNumber, type TestNhsNumbers } from './test-nhs-numbers.js';

const PROFILE = 'bad-records';

export type Flaw = 'INVALID_NHS_NUMBER' | 'UNKNOWN_CODE' | 'INVALID_MANIFEST' | 'MISSING_FIELD' | 'UNDECODABLE';

/** The purpose symbol the contract does not know (Avro files carry it through a widened writer schema). */
export const FOREIGN_PURPOSE = 'COMMERCIAL';

// Codes close to real ones: wrong case (CTV3 is case-sensitive), two full stops, an unassigned Read v2 code.
const NEAR_MISS_CODES = ['XAZ89', 'xaaVL', '9Nu0..', '9Nu9', '88156100000010'];

const PLAN: readonly { stream: StreamName; flaw: Flaw; count: number; ndjsonOnly?: true }[] = [
  { stream: 'gpEvents', flaw: 'INVALID_NHS_NUMBER', count: 3 },
  { stream: 'gpEvents', flaw: 'UNKNOWN_CODE', count: 3 },
  { stream: 'gpEvents', flaw: 'MISSING_FIELD', count: 1, ndjsonOnly: true },
  { stream: 'gpEvents', flaw: 'UNDECODABLE', count: 1, ndjsonOnly: true },
  { stream: 'ndsReceived', flaw: 'INVALID_NHS_NUMBER', count: 3 },
  { stream: 'ndsReceived', flaw: 'UNKNOWN_CODE', count: 3 },
  { stream: 'ndsReceived', flaw: 'MISSING_FIELD', count: 1, ndjsonOnly: true },
  { stream: 'ndsReceived', flaw: 'UNDECODABLE', count: 1, ndjsonOnly: true },
  { stream: 'ndsManifests', flaw: 'INVALID_MANIFEST', count: 2 },
  { stream: 'ndsManifests', flaw: 'MISSING_FIELD', count: 1, ndjsonOnly: true },
  { stream: 'ndsManifests', flaw: 'UNDECODABLE', count: 1, ndjsonOnly: true },
  { stream: 'ndsDisseminations', flaw: 'INVALID_NHS_NUMBER', count: 3 },
  // An unknown Purpose symbol: undecodable for a reader of the contract schema, in both formats.
  { stream: 'ndsDisseminations', flaw: 'UNDECODABLE', count: 2 },
  { stream: 'ndsDisseminations', flaw: 'MISSING_FIELD', count: 1, ndjsonOnly: true },
  { stream: 'ndsDisseminations', flaw: 'UNDECODABLE', count: 1, ndjsonOnly: true },
];

interface Planned {
  readonly stream: StreamName;
  readonly flaw: Flaw;
  readonly foreignSymbol: boolean;
}

export interface BadRecordIds {
  readonly gp: IdSequence;
  readonly receipts: IdSequence;
  readonly disseminations: IdSequence;
}

export class BadRecords {
  readonly #byDay = new Map<number, Planned[]>();
  readonly #waitingReceipts: Planned[] = [];
  readonly #roster: PracticeRoster;
  readonly #numbers: TestNhsNumbers;
  readonly #unknownCodes: readonly string[];
  readonly #ids: BadRecordIds;
  readonly #ledger: FaultLedger;
  readonly #random: SeededRandom;

  constructor(format: TargetFormat, days: number, roster: PracticeRoster, numbers: TestNhsNumbers, catalogue: CodeCatalogue, ids: BadRecordIds, ledger: FaultLedger, random: SeededRandom) {
    this.#roster = roster;
    this.#numbers = numbers;
    this.#ids = ids;
    this.#ledger = ledger;
    this.#random = random;
    this.#unknownCodes = NEAR_MISS_CODES.filter((c) => catalogue.lookup(c) === undefined);
    if (this.#unknownCodes.length === 0) throw new Error('bad-records: the catalogue holds every near-miss code');
    let disseminationUndecodable = 0;
    for (const item of PLAN) {
      if (item.ndjsonOnly && format !== 'ndjson') continue;
      for (let i = 0; i < item.count; i++) {
        const foreignSymbol = item.stream === 'ndsDisseminations' && item.flaw === 'UNDECODABLE' && !item.ndjsonOnly;
        if (foreignSymbol) disseminationUndecodable++;
        // Days 1 .. days-1: every kind has a morning, a surgery day and an evening to go in.
        const day = random.between(1, Math.max(1, days - 1));
        const planned = this.#byDay.get(day) ?? [];
        planned.push({ stream: item.stream, flaw: item.flaw, foreignSymbol });
        this.#byDay.set(day, planned);
      }
    }
    this.carriesForeignPurpose = disseminationUndecodable > 0;
  }

  /** Whether the disseminations will hold a purpose symbol outside the contract. */
  readonly carriesForeignPurpose: boolean;

  /**
   * Adds this morning's bad receipts to the extracts due. A receipt that lends its id goes into an extract that
   * has a valid line to take the id after it; with none due this morning it waits for the next.
   */
  addReceiptLines(day: number, due: Map<number, ExtractEntry[]>): void {
    for (const p of this.#plannedFor(day, 'ndsReceived')) {
      if (p.flaw === 'INVALID_NHS_NUMBER') this.#waitingReceipts.push(p);
      if (p.flaw !== 'UNKNOWN_CODE') continue;
      const practice = this.#random.pick(this.#roster.practices);
      const patient = practice.firstPatient + this.#random.int(practice.patients);
      addEntry(due, practice.index, {
        patient, nhsNumber: this.#numbers.of(patient), code: this.#random.pick(this.#unknownCodes), type: undefined, action: undefined,
        sourceEventId: null, recordedAt: undefined, cause: { profile: PROFILE, what: 'ndsReceived.UNKNOWN_CODE' },
      });
    }
    while (this.#waitingReceipts.length > 0) {
      const withLines = [...due.values()].filter((entries) => entries.some((e) => e.type !== undefined));
      if (withLines.length === 0) return;
      const entries = this.#random.pick(withLines);
      const lender = entries.find((e) => e.type !== undefined) as ExtractEntry;
      this.#waitingReceipts.pop();
      entries.push({
        ...lender, nhsNumber: invalidTestNhsNumber(this.#random), type: undefined, action: undefined, lendsItsId: true,
        cause: { profile: PROFILE, what: 'ndsReceived.INVALID_NHS_NUMBER' },
      });
    }
  }

  /** Standalone bad receipts and manifests stored this morning. */
  deliveryItems(day: number, morning: number): SimulatedItem[] {
    const out: SimulatedItem[] = [];
    for (const p of this.#plannedFor(day, 'ndsReceived')) {
      if (p.flaw === 'MISSING_FIELD' || p.flaw === 'UNDECODABLE') out.push(this.#receiptItem(p.flaw, morning));
    }
    for (const p of this.#plannedFor(day, 'ndsManifests')) out.push(this.#manifestItem(p.flaw, morning));
    return out;
  }

  gpItems(day: number, dayStart: number): SimulatedItem[] {
    return this.#plannedFor(day, 'gpEvents').map((p) => {
      const practice = this.#random.pick(this.#roster.practices);
      const patient = practice.firstPatient + this.#random.int(practice.patients);
      const at = dayStart + 9 * HOUR_MS + this.#random.int(9 * 3600) * 1000;
      const fields = {
        eventId: p.flaw === 'INVALID_NHS_NUMBER' ? this.#ids.gp.peek() : this.#ids.gp.next(),
        nhsNumber: p.flaw === 'INVALID_NHS_NUMBER' ? invalidTestNhsNumber(this.#random) : this.#numbers.of(patient),
        practiceOds: practice.ods,
        supplier: practice.supplier,
        code: p.flaw === 'UNKNOWN_CODE' ? this.#random.pick(this.#unknownCodes) : 'XaZ89',
        recordedAt: at,
      };
      this.#ledger.note(PROFILE, `gpEvents.${p.flaw}`, at, fields.eventId);
      if (p.flaw === 'MISSING_FIELD') return offContract('gpEvents', omit(fields, 'code'), 'MISSING_FIELD');
      if (p.flaw === 'UNDECODABLE') return { kind: 'garbled', stream: 'gpEvents', text: JSON.stringify({ ...fields, recordedAt: 'the day before yesterday' }) };
      return recordItem('gpEvents', fields);
    });
  }

  releaseItems(day: number, dayStart: number): SimulatedItem[] {
    return this.#plannedFor(day, 'ndsDisseminations').map((p) => {
      const at = dayStart + 19 * HOUR_MS;
      const patient = this.#random.int(this.#numbers.count);
      const fields = {
        disseminationId: p.flaw === 'INVALID_NHS_NUMBER' ? this.#ids.disseminations.peek() : this.#ids.disseminations.next(),
        nhsNumber: p.flaw === 'INVALID_NHS_NUMBER' ? invalidTestNhsNumber(this.#random) : this.#numbers.of(patient),
        recipient: 'University Research Group',
        purpose: p.foreignSymbol ? FOREIGN_PURPOSE : 'RESEARCH',
        sharedAt: at,
      };
      this.#ledger.note(PROFILE, `ndsDisseminations.${p.flaw}`, at, fields.disseminationId);
      if (p.foreignSymbol) return offContract('ndsDisseminations', fields, 'UNKNOWN_SYMBOL');
      if (p.flaw === 'MISSING_FIELD') return offContract('ndsDisseminations', omit(fields, 'recipient'), 'MISSING_FIELD');
      if (p.flaw === 'UNDECODABLE') return { kind: 'garbled', stream: 'ndsDisseminations', text: truncated(fields) };
      return recordItem('ndsDisseminations', { ...fields, purpose: 'RESEARCH' });
    });
  }

  #receiptItem(flaw: Flaw, morning: number): SimulatedItem {
    const practice = this.#random.pick(this.#roster.practices);
    const patient = practice.firstPatient + this.#random.int(practice.patients);
    const at = morning + 6 * HOUR_MS;
    const fields = {
      receiptId: this.#ids.receipts.next(), nhsNumber: this.#numbers.of(patient), practiceOds: practice.ods, supplier: practice.supplier,
      code: '827241000000103', sourceEventId: null, extractId: extractIdOf(practice, morning - DAY_MS), receivedAt: at,
    };
    this.#ledger.note(PROFILE, `ndsReceived.${flaw}`, at, fields.receiptId);
    // A null where the contract requires a string: as much a missing field as an absent one.
    if (flaw === 'MISSING_FIELD') return offContract('ndsReceived', { ...fields, extractId: null }, 'MISSING_FIELD');
    return { kind: 'garbled', stream: 'ndsReceived', text: truncated(fields) };
  }

  #manifestItem(flaw: Flaw, morning: number): SimulatedItem {
    const practice = this.#random.pick(this.#roster.practices);
    const at = morning + 6 * HOUR_MS;
    const fields = {
      extractId: `${extractIdOf(practice, morning - DAY_MS)}-resent`, supplier: practice.supplier, practiceOds: practice.ods,
      // An invalid manifest claims to cover a day that had not ended when it was stored.
      coversUpTo: flaw === 'INVALID_MANIFEST' ? at + DAY_MS : morning - 1, receivedAt: at, recordCount: 0,
    };
    this.#ledger.note(PROFILE, `ndsManifests.${flaw}`, at, fields.extractId);
    if (flaw === 'MISSING_FIELD') return offContract('ndsManifests', omit(fields, 'coversUpTo'), 'MISSING_FIELD');
    if (flaw === 'UNDECODABLE') return { kind: 'garbled', stream: 'ndsManifests', text: truncated(fields) };
    return recordItem('ndsManifests', fields);
  }

  #plannedFor(day: number, stream: StreamName): Planned[] {
    return (this.#byDay.get(day) ?? []).filter((p) => p.stream === stream);
  }

  describe(): FaultDescription {
    let first: number | undefined;
    let last: number | undefined;
    for (const t of this.#ledger.talliesOf(PROFILE).values()) {
      if (t.firstAt !== undefined && (first === undefined || t.firstAt < first)) first = t.firstAt;
      if (t.lastAt !== undefined && (last === undefined || t.lastAt > last)) last = t.lastAt;
    }
    return describeFault(this.#ledger, PROFILE, 'A few records per stream that a reader must dead-letter; counted by stream and expected reason.', { from: first, to: last }, {
      foreignPurposeSymbol: this.carriesForeignPurpose ? FOREIGN_PURPOSE : null,
      waitingAtEnd: this.#waitingReceipts.length,
    });
  }
}

function addEntry(due: Map<number, ExtractEntry[]>, practice: number, entry: ExtractEntry): void {
  const entries = due.get(practice);
  if (entries === undefined) due.set(practice, [entry]);
  else entries.push(entry);
}

function offContract(stream: StreamName, fields: Record<string, unknown>, flaw: 'MISSING_FIELD' | 'UNKNOWN_SYMBOL'): SimulatedItem {
  return { kind: 'off-contract', stream, fields, flaw };
}

function omit(fields: Record<string, unknown>, name: string): Record<string, unknown> {
  const { [name]: _dropped, ...rest } = fields;
  return rest;
}

/** A record cut off halfway, as a line torn by a failed write. */
function truncated(fields: Record<string, unknown>): string {
  const text = JSON.stringify(fields);
  return text.slice(0, Math.floor(text.length / 2));
}
