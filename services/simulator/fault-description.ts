// How scenario.json states an injected fault: its window, what it affected (counts, first and last instant, a few
// record ids) and the details a demo needs ("found N hours after the fault began" reads `from`).
import type { FaultLedger } from './fault-ledger.js';
import type { FaultProfile } from './scenario-params.js';

export interface AffectedRecords {
  readonly count: number;
  readonly first: string | null;
  readonly last: string | null;
  readonly sampleIds: readonly string[];
}

export interface FaultDescription {
  readonly profile: FaultProfile;
  readonly what: string;
  /** False when the simulated window or the practices gave the fault nothing to act on. */
  readonly injected: boolean;
  readonly supplier: string | null;
  /** The fault's window in event time, ISO-8601 UTC; `from` is when it began to affect records. */
  readonly from: string | null;
  readonly to: string | null;
  readonly affected: Readonly<Record<string, AffectedRecords>>;
  readonly details: Readonly<Record<string, unknown>>;
}

export function iso(ms: number | undefined | null): string | null {
  return ms === undefined || ms === null ? null : new Date(ms).toISOString();
}

export function affectedBy(ledger: FaultLedger, profile: FaultProfile): Record<string, AffectedRecords> {
  const out: Record<string, AffectedRecords> = {};
  for (const [what, t] of ledger.talliesOf(profile)) {
    out[what] = { count: t.count, first: iso(t.firstAt), last: iso(t.lastAt), sampleIds: [...t.sampleIds] };
  }
  return out;
}

export function describeFault(
  ledger: FaultLedger,
  profile: FaultProfile,
  what: string,
  window: { supplier?: string | null; from: number | undefined; to: number | undefined },
  details: Record<string, unknown> = {},
): FaultDescription {
  const affected = affectedBy(ledger, profile);
  return {
    profile,
    what,
    injected: Object.values(affected).some((a) => a.count > 0),
    supplier: window.supplier ?? null,
    from: iso(window.from),
    to: iso(window.to),
    affected,
    details,
  };
}
