import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isValidNhsNumber } from '../core/nhs-number.js';
import { collectScenario, meaningOf, SideTimeline, SMALL_SCENARIO } from './testing/collected-scenario.js';
import { TYPE_2_COLLECTION_ENDS } from './gp-opt-out-activity.js';
import { codeSystemFor } from './opt-out-codes.js';
import { SLA_MS } from './scenario-generator.js';
import { DAY_MS, HOUR_MS } from './scenario-params.js';
import type { SimulatedItem } from './simulated-item.js';

const hashOf = (items: readonly SimulatedItem[]): string => {
  const hash = createHash('sha256');
  for (const item of items) hash.update(JSON.stringify(item));
  return hash.digest('hex');
};
const clean = collectScenario();

describe('scenario generator without faults', () => {
  it('is reproducible: the same params give the same records, another seed others', () => {
    expect(hashOf(collectScenario().items)).toBe(hashOf(clean.items));
    expect(hashOf(collectScenario({ seed: 8 }).items)).not.toBe(hashOf(clean.items));
  });

  it('generates a plausible amount of everything', () => {
    expect(clean.gpEvents.length).toBeGreaterThan(500);
    expect(clean.ndsReceived.length).toBe(clean.gpEvents.length);
    expect(clean.ndsManifests.length).toBe(SMALL_SCENARIO.practices * SMALL_SCENARIO.days);
    expect(clean.ndsDisseminations.length).toBeGreaterThan(0.9 * clean.run.releaseDays.length * 1000);
    expect(clean.offContract.length + clean.garbled.length).toBe(0);
  });

  it('uses only valid NHS numbers from the 999 test range', () => {
    const numbers = [...clean.gpEvents, ...clean.ndsReceived, ...clean.ndsDisseminations].map((r) => r.nhsNumber);
    expect(numbers.filter((n) => !/^999\d{7}$/.test(n) || !isValidNhsNumber(n))).toEqual([]);
  });

  it('writes each stream in event-time order', () => {
    const sorted = (times: number[]) => times.every((t, i) => i === 0 || (times[i - 1] as number) <= t);
    expect(sorted(clean.gpEvents.map((e) => e.recordedAt))).toBe(true);
    expect(sorted(clean.ndsReceived.map((r) => r.receivedAt))).toBe(true);
    expect(sorted(clean.ndsManifests.map((m) => m.receivedAt))).toBe(true);
    expect(sorted(clean.ndsDisseminations.map((d) => d.sharedAt))).toBe(true);
  });

  it('codes by supplier and era, in all three code systems', () => {
    const systems = new Set<string>();
    const miscoded = clean.gpEvents.filter((e) => {
      const entry = clean.run.params.catalogue.entries.find((c) => c.code === e.code.replace(/\.$/, ''));
      systems.add(entry?.system as string);
      return entry?.system !== codeSystemFor(e.supplier as never, e.recordedAt);
    });
    expect(miscoded).toEqual([]);
    expect([...systems].sort()).toEqual(['CTV3', 'READ_V2', 'SNOMED_CT']);
    expect(clean.gpEvents.some((e) => e.code.endsWith('.'))).toBe(true);
  });

  it("keeps each patient's GP history coherent: a withdrawal only of a standing dissent, no dissent twice", () => {
    const state = new Map<string, boolean>();
    const incoherent: string[] = [];
    for (const e of clean.gpEvents) {
      const m = meaningOf(e.code);
      if (m === undefined) throw new Error(`unknown code ${e.code}`);
      const key = `${e.nhsNumber} ${m.type}`;
      const active = state.get(key) ?? false;
      if (active === (m.action === 'DISSENT')) incoherent.push(e.eventId);
      state.set(key, m.action === 'DISSENT');
    }
    expect(incoherent).toEqual([]);
    expect(clean.gpEvents.filter((e) => meaningOf(e.code)?.action === 'WITHDRAWN').length).toBeGreaterThan(20);
    expect(clean.gpEvents.filter((e) => meaningOf(e.code)?.type === 'TYPE_2').length).toBeGreaterThan(100);
  });

  it('carries every GP entry to the national service the next morning, mostly with its event id', () => {
    const byEvent = new Map(clean.gpEvents.map((e) => [e.eventId, e]));
    let withId = 0;
    const mismatched = clean.ndsReceived.filter((r) => {
      if (r.sourceEventId === null) return false;
      withId++;
      const e = byEvent.get(r.sourceEventId);
      if (e === undefined) return true;
      const nextMorning = Math.floor(e.recordedAt / DAY_MS + 1) * DAY_MS;
      return [e.nhsNumber, e.code, e.practiceOds, e.supplier].join() !== [r.nhsNumber, r.code, r.practiceOds, r.supplier].join()
        || r.receivedAt - nextMorning < 2 * HOUR_MS || r.receivedAt - nextMorning >= 5 * HOUR_MS;
    });
    expect(mismatched).toEqual([]);
    expect(withId / clean.ndsReceived.length).toBeGreaterThan(0.9);
    expect(withId).toBeLessThan(clean.ndsReceived.length);
    expect(clean.ndsReceived.every((r) => r.receivedAt - (byEvent.get(r.sourceEventId ?? '')?.recordedAt ?? r.receivedAt) < SLA_MS)).toBe(true);
  });

  it('sends one manifest per practice per morning, covering the previous day and counting its receipts', () => {
    const receiptsPerExtract = new Map<string, number>();
    for (const r of clean.ndsReceived) receiptsPerExtract.set(r.extractId, (receiptsPerExtract.get(r.extractId) ?? 0) + 1);
    const ids = new Set<string>();
    const wrong = clean.ndsManifests.filter((m) => {
      ids.add(m.extractId);
      return m.receivedAt < m.coversUpTo || (m.coversUpTo + 1) % DAY_MS !== 0 || m.recordCount !== (receiptsPerExtract.get(m.extractId) ?? 0);
    });
    expect(wrong).toEqual([]);
    expect(ids.size).toBe(clean.ndsManifests.length);
    for (const extractId of receiptsPerExtract.keys()) expect(ids.has(extractId)).toBe(true);
  });

  it("releases no line but direct care for a patient whose objection the national service holds", () => {
    const nds = SideTimeline.downstream(clean.ndsReceived);
    const held = (nhs: string, at: number) => nds.activeAt(nhs, 'TYPE_1', at) || nds.activeAt(nhs, 'TYPE_2', at);
    const leaks = clean.ndsDisseminations.filter((d) => d.purpose !== 'DIRECT_CARE' && held(d.nhsNumber, d.sharedAt));
    expect(leaks).toEqual([]);
    expect(clean.run.totals().linesFilteredOut).toBeGreaterThan(100);
    expect(clean.ndsDisseminations.some((d) => d.purpose === 'DIRECT_CARE' && held(d.nhsNumber, d.sharedAt))).toBe(true);
    expect(clean.run.totals().linesSharedDespiteObjection).toBe(0);
  });

  it('enters no type 2 code after type 2 collection stopped on 11 October 2018', () => {
    const longer = collectScenario({ days: 1600, releaseSize: { lines: 0 } });
    const late = longer.gpEvents.filter((e) => e.recordedAt >= TYPE_2_COLLECTION_ENDS);
    expect(late.length).toBeGreaterThan(10);
    expect(late.filter((e) => meaningOf(e.code)?.type === 'TYPE_2')).toEqual([]);
  });

  it('yields its records once per run', () => {
    expect(() => [...clean.run.items()]).toThrow(/once/);
  });
});

describe('scenario generator with faults', () => {
  const faulty = collectScenario({
    faults: ['systmone-2018', 'supplier-outage', 'dropped-withdrawals', 'late-receipts', 'phantom-objections', 'revoked-objections', 'unfiltered-release'],
    releaseSize: { lines: 2000 },
  });

  it('leaves the GP record alone: faults act on what reaches the national service', () => {
    expect(faulty.gpEvents).toEqual(clean.gpEvents);
    expect(faulty.ndsReceived).not.toEqual(clean.ndsReceived);
  });

  it('counts the release lines SHARED_DESPITE_OBJECTION should alert on, as the rules define it', () => {
    const gp = SideTimeline.upstream(faulty.gpEvents);
    const exposed = faulty.ndsDisseminations.filter(
      (d) => d.purpose !== 'DIRECT_CARE' && (['TYPE_1', 'TYPE_2'] as const).some((t) => gp.activeThroughout(d.nhsNumber, t, d.sharedAt - SLA_MS, d.sharedAt)),
    );
    expect(exposed.length).toBeGreaterThan(10);
    expect(faulty.run.totals().linesSharedDespiteObjection).toBe(exposed.length);
  });
});
