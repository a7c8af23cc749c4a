import { describe, expect, it } from 'vitest';
import { collectScenario } from './testing/collected-scenario.js';
import { SLA_MS } from './scenario-generator.js';
import { DAY_MS } from './scenario-params.js';

// More opt-outs than usual, so that the outage's few days hold entries whichever supplier it hits.
const run = collectScenario({ faults: ['supplier-outage'], optOutsPerYear: 0.13, releaseSize: { lines: 0 } });
const fault = run.run.faultDescriptions()[0];
const from = Date.parse(fault?.from ?? '');
const to = Date.parse(fault?.to ?? '');
const supplier = fault?.supplier;
const practicesOf = (s: string | null | undefined) => run.run.roster.practices.filter((p) => p.supplier === s).length;

describe('fault profile supplier-outage', () => {
  it('states a supplier and a window of days', () => {
    expect(fault).toMatchObject({ profile: 'supplier-outage', injected: true });
    expect(['EMIS', 'TPP', 'VISION', 'MICROTEST']).toContain(supplier);
    expect((to - from) / DAY_MS).toBe(fault?.details.outageDays);
    expect(fault?.details.outageDays).toBeGreaterThanOrEqual(4);
  });

  it('stores nothing from that supplier during the outage, and everything from the others', () => {
    const during = run.ndsManifests.filter((m) => m.receivedAt >= from && m.receivedAt < to);
    expect(during.filter((m) => m.supplier === supplier)).toEqual([]);
    expect(during.length).toBe((run.run.params.practices - practicesOf(supplier)) * ((to - from) / DAY_MS));
  });

  it('stores the backlog on the morning it ends, each missed extract with its own manifest', () => {
    const morning = run.ndsManifests.filter((m) => m.supplier === supplier && m.receivedAt >= to && m.receivedAt < to + DAY_MS);
    expect(morning.length).toBe(practicesOf(supplier) * ((to - from) / DAY_MS + 1));
    const backlog = morning.filter((m) => m.coversUpTo < to - DAY_MS);
    expect(backlog.length).toBe(practicesOf(supplier) * ((to - from) / DAY_MS));
    expect(fault?.affected.extractsHeld?.count).toBe(backlog.length);
  });

  it('delays the entries it held beyond what the manifests promised', () => {
    const backlogIds = new Set(run.ndsManifests.filter((m) => m.supplier === supplier && m.receivedAt >= to && m.coversUpTo < to - DAY_MS).map((m) => m.extractId));
    const delayed = run.ndsReceived.filter((r) => backlogIds.has(r.extractId));
    expect(delayed.length).toBeGreaterThan(0);
    expect(fault?.affected.receiptsDelayed?.count).toBe(delayed.length);
    const byEvent = new Map(run.gpEvents.map((e) => [e.eventId, e.recordedAt]));
    const overdue = delayed.filter((r) => r.sourceEventId !== null && r.receivedAt - (byEvent.get(r.sourceEventId) as number) > SLA_MS);
    expect(overdue.length).toBeGreaterThan(0);
  });
});
