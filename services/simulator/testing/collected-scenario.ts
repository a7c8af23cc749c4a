// A whole scenario gathered into arrays, with the lookups the simulator's tests check records by: small runs only
// (the generator itself never gathers anything). Tests recompute what the national service held and what the GP
// record said from the records alone, so they do not trust the generator's own state.
import { readFileSync } from 'node:fs';
import { parseCodeCatalogue, type CodeCatalogue, type CodeMeaning } from '../../core/code-catalogue.js';
import { SHIPPED_CATALOGUE_FILE } from '../../package-root.js';
import type { GpOptOutEvent, NdsDissemination, NdsExtractManifest, NdsReceivedObjection, OptOutType } from '../../core/records.js';
import { generateScenario, type ScenarioRun } from '../scenario-generator.js';
import type { ScenarioParams } from '../scenario-params.js';
import type { GarbledItem, OffContractItem, SimulatedItem } from '../simulated-item.js';

export const SHIPPED_CATALOGUE: CodeCatalogue = parseCodeCatalogue(
  JSON.parse(readFileSync(SHIPPED_CATALOGUE_FILE, 'utf8')),
);

export const SMALL_SCENARIO: ScenarioParams = {
  seed: 7,
  practices: 40,
  patients: 20_000,
  days: 1369,
  startAt: Date.UTC(2015, 0, 1),
  faults: [],
  format: 'ndjson',
  releaseSize: { lines: 1000 },
  optOutsPerYear: 0.0135,
  withdrawalsPerYear: 0.04,
  catalogue: SHIPPED_CATALOGUE,
};

export interface CollectedScenario {
  readonly run: ScenarioRun;
  readonly items: readonly SimulatedItem[];
  readonly gpEvents: readonly GpOptOutEvent[];
  readonly ndsReceived: readonly NdsReceivedObjection[];
  readonly ndsManifests: readonly NdsExtractManifest[];
  readonly ndsDisseminations: readonly NdsDissemination[];
  readonly offContract: readonly OffContractItem[];
  readonly garbled: readonly GarbledItem[];
}

export function collectScenario(overrides: Partial<ScenarioParams> = {}): CollectedScenario {
  const run = generateScenario({ ...SMALL_SCENARIO, ...overrides });
  const items = [...run.items()];
  const of = <S extends SimulatedItem['stream']>(stream: S) =>
    items.flatMap((i) => (i.kind === 'record' && i.stream === stream ? [i.record] : []));
  return {
    run,
    items,
    gpEvents: of('gpEvents') as GpOptOutEvent[],
    ndsReceived: of('ndsReceived') as NdsReceivedObjection[],
    ndsManifests: of('ndsManifests') as NdsExtractManifest[],
    ndsDisseminations: of('ndsDisseminations') as NdsDissemination[],
    offContract: items.filter((i): i is OffContractItem => i.kind === 'off-contract'),
    garbled: items.filter((i): i is GarbledItem => i.kind === 'garbled'),
  };
}

export function meaningOf(code: string): CodeMeaning | undefined {
  return SHIPPED_CATALOGUE.lookup(code);
}

/**
 * A side's state over time, rebuilt from its records as the rules define it: per (NHS number, type), the changes
 * in (time, id) order; ACTIVE at t when the latest change at or before t is a dissent.
 */
export class SideTimeline {
  readonly #changes = new Map<string, { at: number; id: string; dissent: boolean }[]>();

  constructor(records: readonly { nhsNumber: string; code: string; at: number; id: string }[]) {
    for (const r of records) {
      const meaning = meaningOf(r.code);
      if (meaning === undefined) continue;
      const key = `${r.nhsNumber} ${meaning.type}`;
      const list = this.#changes.get(key) ?? [];
      list.push({ at: r.at, id: r.id, dissent: meaning.action === 'DISSENT' });
      this.#changes.set(key, list);
    }
    for (const list of this.#changes.values()) list.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  activeAt(nhsNumber: string, type: OptOutType, at: number): boolean {
    const list = this.#changes.get(`${nhsNumber} ${type}`) ?? [];
    let active = false;
    for (const c of list) {
      if (c.at > at) break;
      active = c.dissent;
    }
    return active;
  }

  /** Whether the side is ACTIVE at `at` and has been without a break since `since` or earlier. */
  activeThroughout(nhsNumber: string, type: OptOutType, since: number, at: number): boolean {
    const list = this.#changes.get(`${nhsNumber} ${type}`) ?? [];
    let active = false;
    let from = -Infinity;
    for (const c of list) {
      if (c.at > at) break;
      if (c.dissent !== active) from = c.at;
      active = c.dissent;
    }
    return active && from <= since;
  }

  static upstream(gpEvents: readonly GpOptOutEvent[]): SideTimeline {
    return new SideTimeline(gpEvents.map((e) => ({ nhsNumber: e.nhsNumber, code: e.code, at: e.recordedAt, id: e.eventId })));
  }

  static downstream(receipts: readonly NdsReceivedObjection[]): SideTimeline {
    return new SideTimeline(receipts.map((r) => ({ nhsNumber: r.nhsNumber, code: r.code, at: r.receivedAt, id: r.receiptId })));
  }
}
