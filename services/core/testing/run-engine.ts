import type { Alert } from '../alert.js';
import { Reconciler, type PendingEpisode } from '../reconciler.js';
import type { GpOptOutEvent, Millis, NdsDissemination, NdsExtractManifest, NdsReceivedObjection } from '../records.js';
import { catalogue, readableIdentity } from './builders.js';

export interface Scenario {
  gpEvents?: GpOptOutEvent[];
  receipts?: NdsReceivedObjection[];
  manifests?: NdsExtractManifest[];
  shares?: NdsDissemination[];
}

export interface EngineRun {
  alerts: Alert[];
  pending: PendingEpisode[];
  latency: Millis[];
  byId: (id: string) => Alert | undefined;
}

/** Offers a scenario to a fresh engine (in the given order) and advances to asOf. */
export function runEngine(s: Scenario, asOf: Millis, options: { slaMs: Millis; graceMs: Millis }): EngineRun {
  const engine = new Reconciler({ ...options, identity: readableIdentity });
  for (const e of s.gpEvents ?? []) engine.offerGpEvent(e, catalogue.lookup(e.code)!);
  for (const r of s.receipts ?? []) engine.offerReceipt(r, catalogue.lookup(r.code)!);
  for (const m of s.manifests ?? []) engine.offerManifest(m);
  for (const d of s.shares ?? []) engine.offerDissemination(d);
  engine.advanceTo(asOf);
  const alerts = engine.alerts();
  return { alerts, pending: engine.pending(), latency: [...engine.latencySamples()], byId: (id) => alerts.find((a) => a.alertId === id) };
}
