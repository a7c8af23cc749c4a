// The pure generator: GP systems entering opt-outs, suppliers' daily extracts, the national service storing them
// and releasing data weekly, with the chosen faults. No I/O, no clock, no Math.random: the params decide every
// record. Records come out as one lazy sequence, day by day and in time order within each day (mornings:
// extracts stored 02:00-05:00; surgery hours: GP entries; evenings: releases), except where a fault delivers
// something late or twice. Memory holds per-patient state in typed arrays and a few days of pending lines,
// never a release: ten million release lines stream through.
import type { OptOutType } from '../core/records.js';
import { BadRecords } from './bad-records.js';
import { DeliveryBook } from './delivery-book.js';
import { DroppedWithdrawals } from './dropped-withdrawals.js';
import { entryFromGp, type ExtractEntry } from './extract-entry.js';
import type { FaultDescription } from './fault-description.js';
import { FaultLedger } from './fault-ledger.js';
import { GpOptOutActivity } from './gp-opt-out-activity.js';
import { IdSequence } from './id-sequence.js';
import { LateReceipts } from './late-receipts.js';
import { NdsHoldings } from './nds-holdings.js';
import { OptOutCodes } from './opt-out-codes.js';
import { PhantomObjections, type InjectionContext } from './phantom-objections.js';
import { extractDayStamp, storeExtract, type StoredExtract } from './practice-extract.js';
import { PracticeRoster } from './practice-roster.js';
import { Redeliveries } from './redeliveries.js';
import { RevokedObjections } from './revoked-objections.js';
import { DAY_MS, HOUR_MS, releaseLines, type FaultProfile, type ScenarioParams } from './scenario-params.js';
import { SeededRandom } from './seeded-random.js';
import { recordItem, type RecordItem, type SimulatedItem } from './simulated-item.js';
import { SupplierOutage } from './supplier-outage.js';
import { SystmOneType2Defect } from './systmone-type2-defect.js';
import { TestNhsNumbers } from './test-nhs-numbers.js';
import { UnfilteredRelease } from './unfiltered-release.js';
import { releaseDays, WeeklyReleases } from './weekly-releases.js';

/** The reconciliation rules' default service level; used for the ground-truth count of exposed release lines. */
export const SLA_MS = 72 * HOUR_MS;

const EXTRACTS_FROM = 2 * HOUR_MS;
const EXTRACTS_SPREAD_SECONDS = 3 * 3600;
const BACKLOG_GAP = 10 * 60_000;

export interface RunTotals {
  readonly records: Record<RecordItem['stream'], number>;
  readonly releases: number;
  readonly linesFilteredOut: number;
  /** Release lines, other than for direct care, of a patient whose GP record held a dissent for sla or longer. */
  readonly linesSharedDespiteObjection: number;
  readonly linesUndeliveredAtEnd: number;
}

interface Faults {
  readonly systmone?: SystmOneType2Defect;
  readonly outage?: SupplierOutage;
  readonly droppedWithdrawals?: DroppedWithdrawals;
  readonly late?: LateReceipts;
  readonly phantom?: PhantomObjections;
  readonly revoked?: RevokedObjections;
  readonly unfiltered?: UnfilteredRelease;
  readonly bad?: BadRecords;
  readonly redeliveries?: Redeliveries;
}

export class ScenarioRun {
  readonly params: ScenarioParams;
  readonly roster: PracticeRoster;
  readonly startAt: number;
  readonly endAt: number;
  readonly releaseDays: readonly number[];
  readonly #numbers: TestNhsNumbers;
  readonly #gp: GpOptOutActivity;
  readonly #nds: NdsHoldings;
  readonly #book = new DeliveryBook();
  readonly #receiptIds = new IdSequence('rc-');
  readonly #disseminationIds = new IdSequence('ds-');
  readonly #deliveryTimes: SeededRandom;
  readonly #carryIds: SeededRandom;
  readonly #releases: WeeklyReleases;
  readonly #releaseDaySet: ReadonlySet<number>;
  readonly #ledger = new FaultLedger();
  readonly #faults: Faults;
  readonly #injection: InjectionContext;
  readonly #records = { gpEvents: 0, ndsReceived: 0, ndsManifests: 0, ndsDisseminations: 0 };
  #releasesSent = 0;
  #filtered = 0;
  #exposed = 0;
  #started = false;

  constructor(params: ScenarioParams) {
    this.params = params;
    this.startAt = params.startAt;
    this.endAt = params.startAt + params.days * DAY_MS;
    const root = new SeededRandom(params.seed);
    this.roster = new PracticeRoster(params.practices, params.patients, root.fork('practices'));
    this.#numbers = new TestNhsNumbers(params.patients, root.fork('nhs-numbers'));
    const codes = new OptOutCodes(params.catalogue);
    this.#gp = new GpOptOutActivity(this.roster, this.#numbers, codes, params, root.fork('gp'));
    this.#nds = new NdsHoldings(params.patients);
    this.#deliveryTimes = root.fork('delivery-times');
    this.#carryIds = root.fork('carry-ids');
    this.#releases = new WeeklyReleases(params.patients, releaseLines(params.releaseSize, params.patients), root.fork('releases'));
    this.releaseDays = releaseDays(this.startAt, params.days);
    this.#releaseDaySet = new Set(this.releaseDays);
    this.#faults = this.#buildFaults(params.faults, root);
    this.#injection = { gp: this.#gp.register, nds: this.#nds, roster: this.roster, numbers: this.#numbers, codes, book: this.#book };
  }

  /** Every record of the scenario, once. A run is single use: make a new one to start again. */
  *items(): Generator<SimulatedItem, void, undefined> {
    if (this.#started) throw new Error('a scenario run yields its records once; generate the scenario again to repeat it');
    this.#started = true;
    const days = this.params.days;
    // Morning `days` stores the extracts of the last simulated day; nothing else happens on it.
    for (let day = 0; day <= days; day++) {
      const dayStart = this.startAt + day * DAY_MS;
      if (day >= 1) yield* this.#morning(day, dayStart);
      if (day < days) {
        yield* this.#surgeryHours(day, dayStart);
        yield* this.#evening(day, dayStart);
      }
    }
  }

  totals(): RunTotals {
    return {
      records: { ...this.#records },
      releases: this.#releasesSent,
      linesFilteredOut: this.#filtered,
      linesSharedDespiteObjection: this.#exposed,
      linesUndeliveredAtEnd: this.#book.undelivered().length,
    };
  }

  faultDescriptions(): FaultDescription[] {
    const f = this.#faults;
    return [f.systmone, f.outage, f.droppedWithdrawals, f.late, f.phantom, f.revoked, f.unfiltered, f.bad, f.redeliveries]
      .filter((x) => x !== undefined)
      .map((x) => x.describe());
  }

  /** Whether the disseminations carry a purpose symbol outside the contract (Avro then needs a widened schema). */
  get carriesForeignPurpose(): boolean {
    return this.#faults.bad?.carriesForeignPurpose ?? false;
  }

  *#morning(day: number, morning: number): Generator<SimulatedItem, void, undefined> {
    const f = this.#faults;
    f.systmone?.scheduleFlood(day, this.#book);
    f.phantom?.inject(day, morning, this.#injection);
    f.revoked?.inject(day, morning, this.#injection);
    const due = this.#book.takeDay(day);
    f.bad?.addReceiptLines(day, due);

    const stored: { extract: StoredExtract; delayed: boolean }[] = [];
    const coveredStamp = extractDayStamp(morning - DAY_MS);
    for (const practice of this.roster.practices) {
      // Drawn for every practice every morning, so that a fault never shifts another practice's times.
      const storedAt = morning + EXTRACTS_FROM + this.#deliveryTimes.int(EXTRACTS_SPREAD_SECONDS) * 1000;
      const completeAfter = this.#deliveryTimes.between(30, 300) * 1000;
      const entries = due.get(practice.index) ?? [];
      if (f.outage?.isDown(practice, day)) {
        f.outage.hold({ practice, coveredDay: day - 1, entries });
        continue;
      }
      let at = storedAt;
      for (const held of f.outage?.backlogOf(practice, day) ?? []) {
        const coveredStart = this.startAt + held.coveredDay * DAY_MS;
        stored.push({ extract: storeExtract(practice, coveredStart, extractDayStamp(coveredStart), at, completeAfter, held.entries, this.#receiptIds), delayed: true });
        at += BACKLOG_GAP;
      }
      stored.push({ extract: storeExtract(practice, morning - DAY_MS, coveredStamp, at, completeAfter, entries, this.#receiptIds), delayed: false });
    }

    // The morning in the order the service stored it.
    const timeline: { at: number; item: RecordItem; entry?: ExtractEntry; delayed: boolean }[] = [];
    for (const { extract, delayed } of stored) {
      for (const { receipt, entry } of extract.receipts) timeline.push({ at: receipt.receivedAt, item: recordItem('ndsReceived', receipt), entry, delayed });
      timeline.push({ at: extract.manifest.receivedAt, item: recordItem('ndsManifests', extract.manifest), delayed });
    }
    timeline.sort((a, b) => a.at - b.at);
    for (const { item, entry, delayed } of timeline) {
      if (entry !== undefined && item.stream === 'ndsReceived') {
        const receipt = item.record;
        if (entry.type !== undefined && entry.action !== undefined) this.#nds.apply(entry.patient, entry.type, entry.action);
        if (entry.cause) this.#ledger.note(entry.cause.profile, entry.cause.what, receipt.receivedAt, receipt.receiptId);
        if (delayed) this.#ledger.note('supplier-outage', 'receiptsDelayed', receipt.receivedAt, receipt.receiptId);
      }
      yield this.#count(item);
      f.redeliveries?.consider(item, day);
    }
    for (const item of f.bad?.deliveryItems(day, morning) ?? []) yield this.#count(item);
    for (const item of f.redeliveries?.dueOn(day) ?? []) yield this.#count(item);
  }

  *#surgeryHours(day: number, dayStart: number): Generator<SimulatedItem, void, undefined> {
    const f = this.#faults;
    for (const item of f.bad?.gpItems(day, dayStart) ?? []) yield this.#count(item);
    for (const gp of this.#gp.recordDay(day, dayStart)) {
      const item = recordItem('gpEvents', gp.event);
      yield this.#count(item);
      f.redeliveries?.consider(item, day);
      const carry = this.#carryIds.float();
      if (f.systmone?.withholds(gp) || f.droppedWithdrawals?.drops(gp)) continue;
      const extra = f.late?.extraMornings(gp) ?? 0;
      const cause = extra > 0 ? { profile: 'late-receipts' as const, what: 'lateReceipts' } : undefined;
      this.#book.add(day + 1 + extra, gp.practice.index, entryFromGp(gp, carry, cause));
    }
  }

  *#evening(day: number, dayStart: number): Generator<SimulatedItem, void, undefined> {
    const f = this.#faults;
    for (const item of f.bad?.releaseItems(day, dayStart) ?? []) yield this.#count(item);
    if (!this.#releaseDaySet.has(day)) return;
    this.#releasesSent++;
    const unfiltered = f.unfiltered?.skipsFilter(day) ?? false;
    const gp = this.#gp.register;
    const lines = this.#releases.linesPerRelease;
    for (let i = 0; i < lines; i++) {
      const line = this.#releases.candidate(dayStart, i);
      const forDirectCare = line.purpose === 'DIRECT_CARE';
      const held = this.#nds.holdsAny(line.patient);
      if (held && !forDirectCare && !unfiltered) {
        this.#filtered++;
        continue;
      }
      const record = {
        disseminationId: this.#disseminationIds.next(),
        nhsNumber: this.#numbers.of(line.patient),
        recipient: line.recipient,
        purpose: line.purpose,
        sharedAt: line.sharedAt,
      };
      if (!forDirectCare) {
        if (held) this.#ledger.note('unfiltered-release', 'linesDespiteHeldObjection', record.sharedAt, record.disseminationId);
        if (f.systmone?.isWithholding(line.patient)) this.#ledger.note('systmone-2018', 'releasedWhileWithheld', record.sharedAt, record.disseminationId);
        if (objectsSince(gp, line.patient, 'TYPE_1', line.sharedAt) || objectsSince(gp, line.patient, 'TYPE_2', line.sharedAt)) this.#exposed++;
      }
      const item = recordItem('ndsDisseminations', record);
      this.#records.ndsDisseminations++;
      yield item;
      const copy = f.redeliveries?.followUp(item, day);
      if (copy !== undefined) yield this.#count(copy);
    }
  }

  #count<T extends SimulatedItem>(item: T): T {
    this.#records[item.stream]++;
    return item;
  }

  #buildFaults(profiles: readonly FaultProfile[], root: SeededRandom): Faults {
    const on = (p: FaultProfile): boolean => profiles.includes(p);
    const random = (p: FaultProfile): SeededRandom => root.fork(`fault:${p}`);
    const ledger = this.#ledger;
    const days = this.params.days;
    return {
      ...(on('systmone-2018') ? { systmone: new SystmOneType2Defect(this.startAt, this.endAt, ledger, random('systmone-2018')) } : {}),
      ...(on('supplier-outage') ? { outage: new SupplierOutage(this.roster, this.startAt, days, ledger, random('supplier-outage')) } : {}),
      ...(on('dropped-withdrawals') ? { droppedWithdrawals: new DroppedWithdrawals(ledger, random('dropped-withdrawals')) } : {}),
      ...(on('late-receipts') ? { late: new LateReceipts(ledger, random('late-receipts')) } : {}),
      ...(on('phantom-objections') ? { phantom: new PhantomObjections(this.params.patients, days, ledger, random('phantom-objections')) } : {}),
      ...(on('revoked-objections') ? { revoked: new RevokedObjections(this.params.patients, days, ledger, random('revoked-objections')) } : {}),
      ...(on('unfiltered-release') ? { unfiltered: new UnfilteredRelease(this.releaseDays, this.startAt, ledger, random('unfiltered-release')) } : {}),
      ...(on('bad-records')
        ? { bad: new BadRecords(this.params.format, days, this.roster, this.#numbers, this.params.catalogue, { gp: this.#gp.ids, receipts: this.#receiptIds, disseminations: this.#disseminationIds }, ledger, random('bad-records')) }
        : {}),
      ...(on('redeliveries') ? { redeliveries: new Redeliveries(days, ledger, random('redeliveries')) } : {}),
    };
  }
}

/** Upstream ACTIVE at `at` without a break since `at` - sla or earlier (reconciliation-rules.md). */
function objectsSince(gp: GpOptOutActivity['register'], patient: number, type: OptOutType, at: number): boolean {
  return gp.isActive(patient, type) && gp.activeSince(patient, type) <= at - SLA_MS;
}

export function generateScenario(params: ScenarioParams): ScenarioRun {
  return new ScenarioRun(params);
}
