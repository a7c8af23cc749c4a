// scenario.json: the seed and parameters that reproduce a run, the practices, what was generated, and each
// injected fault with its window and what it affected: the ground truth a replay's findings are checked against.
import type { FaultDescription } from './fault-description.js';
import { iso } from './fault-description.js';
import type { ScenarioRun } from './scenario-generator.js';
import { SLA_MS } from './scenario-generator.js';
import { HOUR_MS } from './scenario-params.js';
import type { Supplier } from './supplier-shares.js';

export interface ScenarioDescription {
  readonly generator: 'optout-verifier simulate';
  readonly version: 1;
  readonly seed: number;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly window: { readonly from: string; readonly to: string; readonly releases: number };
  readonly practices: {
    readonly bySupplier: Readonly<Partial<Record<Supplier, { readonly practices: number; readonly patients: number }>>>;
    readonly list: readonly { readonly ods: string; readonly supplier: Supplier; readonly patients: number }[];
  };
  readonly records: Readonly<Record<string, number>>;
  readonly groundTruth: Readonly<Record<string, unknown>>;
  readonly faults: readonly FaultDescription[];
}

/** Call once the run's records have all been consumed: counts are gathered as they are generated. */
export function describeScenario(run: ScenarioRun, writing: Readonly<Record<string, unknown>> = {}): ScenarioDescription {
  const p = run.params;
  const totals = run.totals();
  const bySupplier: Partial<Record<Supplier, { practices: number; patients: number }>> = {};
  for (const practice of run.roster.practices) {
    const s = (bySupplier[practice.supplier] ??= { practices: 0, patients: 0 });
    s.practices++;
    s.patients += practice.patients;
  }
  return {
    generator: 'optout-verifier simulate',
    version: 1,
    seed: p.seed,
    parameters: {
      practices: p.practices,
      patientsInTotal: p.patients,
      days: p.days,
      start: iso(p.startAt)?.slice(0, 10),
      faults: [...p.faults],
      format: p.format,
      ...writing,
      releaseCandidateLines: 'lines' in p.releaseSize ? p.releaseSize.lines : `${p.releaseSize.shareOfPatients * 100}% of patients`,
      optOutsPerYear: p.optOutsPerYear,
      withdrawalsPerYear: p.withdrawalsPerYear,
    },
    window: { from: iso(run.startAt) as string, to: iso(run.endAt) as string, releases: totals.releases },
    practices: {
      bySupplier,
      list: run.roster.practices.map((x) => ({ ods: x.ods, supplier: x.supplier, patients: x.patients })),
    },
    records: { ...totals.records },
    groundTruth: {
      releaseLinesFilteredOut: totals.linesFilteredOut,
      // As SHARED_DESPITE_OBJECTION defines it, from the generator's own GP state: the alerts a replay of the
      // whole window with the default sla should raise.
      sharedDespiteObjection: { slaHours: SLA_MS / HOUR_MS, lines: totals.linesSharedDespiteObjection },
      extractLinesDueAfterTheWindow: totals.linesUndeliveredAtEnd,
    },
    faults: run.faultDescriptions(),
  };
}
