import { describe, expect, it } from 'vitest';
import type { GpOptOutEvent } from '../core/records.js';
import { collectScenario, meaningOf, SideTimeline } from './testing/collected-scenario.js';
import { SLA_MS } from './scenario-generator.js';
import { DAY_MS } from './scenario-params.js';
import { DEFECT_FIXED, DEFECT_FROM } from './systmone-type2-defect.js';

const run = collectScenario({ faults: ['systmone-2018'], releaseSize: { lines: 2000 } });
const fault = run.run.faultDescriptions()[0];
const isType2Dissent = (code: string) => meaningOf(code)?.type === 'TYPE_2' && meaningOf(code)?.action === 'DISSENT';
const type2DissentReceipts = run.ndsReceived.filter((r) => isType2Dissent(r.code));
const receivedFor = (e: GpOptOutEvent, from: number, to: number) =>
  type2DissentReceipts.some((r) => r.nhsNumber === e.nhsNumber && r.receivedAt > from && r.receivedAt < to);
const dropped = run.gpEvents.filter((e) => e.supplier === 'TPP' && isType2Dissent(e.code) && e.recordedAt >= DEFECT_FROM && e.recordedAt < DEFECT_FIXED);
const floodEnds = DEFECT_FIXED + 4 * DAY_MS;

describe('fault profile systmone-2018', () => {
  it('states the fault: supplier TPP, dropping from 1 April 2015 until 26 June 2018, with counts', () => {
    expect(fault).toMatchObject({ profile: 'systmone-2018', injected: true, supplier: 'TPP', from: '2015-04-01T00:00:00.000Z', to: '2018-06-26T00:00:00.000Z' });
    expect(dropped.length).toBeGreaterThan(20);
    expect(fault?.affected.droppedType2Dissents?.count).toBe(dropped.length);
  });

  it('keeps every TPP type 2 dissent entered in the window from the national service until after the fix', () => {
    expect(dropped.filter((e) => receivedFor(e, e.recordedAt, DEFECT_FIXED + DAY_MS))).toEqual([]);
  });

  it('lets every other dissent through within the service level', () => {
    const others = run.gpEvents.filter((e) => meaningOf(e.code)?.action === 'DISSENT' && !dropped.includes(e));
    const tppType1 = others.filter((e) => e.supplier === 'TPP' && meaningOf(e.code)?.type === 'TYPE_1');
    expect(tppType1.length).toBeGreaterThan(10);
    const missing = others.filter((e) => !run.ndsReceived.some((r) => r.nhsNumber === e.nhsNumber && r.code === e.code && r.receivedAt > e.recordedAt && r.receivedAt <= e.recordedAt + SLA_MS));
    expect(missing).toEqual([]);
  });

  it('floods in, on the mornings after the fix, every withheld dissent the GP record still holds, and no other', () => {
    const gp = SideTimeline.upstream(run.gpEvents);
    // The flood carries what the GP record holds when the first extract after the fix is made (end of the fix day).
    const standing = new Set(dropped.filter((e) => gp.activeAt(e.nhsNumber, 'TYPE_2', DEFECT_FIXED + DAY_MS)).map((e) => e.nhsNumber));
    const flood = type2DissentReceipts.filter((r) => r.supplier === 'TPP' && r.receivedAt > DEFECT_FIXED + DAY_MS && r.receivedAt < floodEnds && standing.has(r.nhsNumber));
    expect(standing.size).toBeGreaterThan(10);
    expect(new Set(flood.map((r) => r.nhsNumber))).toEqual(standing);
    expect(fault?.affected.floodedReceipts?.count).toBe(standing.size);
    // A withdrawal before the fix takes a withheld dissent out of the flood (the patient may dissent again later).
    const held = new Set<string>();
    let withdrawn = 0;
    for (const e of run.gpEvents.filter((x) => x.recordedAt < DEFECT_FIXED + DAY_MS)) {
      if (dropped.includes(e)) held.add(e.nhsNumber);
      else if (e.supplier === 'TPP' && meaningOf(e.code)?.type === 'TYPE_2' && meaningOf(e.code)?.action === 'WITHDRAWN' && held.delete(e.nhsNumber)) withdrawn++;
    }
    expect(withdrawn).toBeGreaterThan(0);
    expect(fault?.affected.withdrawnBeforeFix?.count).toBe(withdrawn);
  });

  it('lets releases go out meanwhile for patients whose objection the service never got', () => {
    const gp = SideTimeline.upstream(run.gpEvents);
    const nds = SideTimeline.downstream(run.ndsReceived);
    const withheldPatients = new Set(dropped.map((e) => e.nhsNumber));
    const exposed = run.ndsDisseminations.filter(
      (d) => d.purpose !== 'DIRECT_CARE' && withheldPatients.has(d.nhsNumber) && gp.activeAt(d.nhsNumber, 'TYPE_2', d.sharedAt) && !nds.activeAt(d.nhsNumber, 'TYPE_2', d.sharedAt),
    );
    expect(exposed.length).toBeGreaterThan(0);
    expect(fault?.affected.releasedWhileWithheld?.count).toBe(exposed.length);
  });

  it('clips the window to the simulated days', () => {
    const early = collectScenario({ faults: ['systmone-2018'], days: 200, releaseSize: { lines: 0 } }).run.faultDescriptions()[0];
    expect(early).toMatchObject({ injected: true, from: '2015-04-01T00:00:00.000Z', to: '2015-07-20T00:00:00.000Z', details: { fixedAt: null } });
    expect(early?.details.stillWithheldAtEnd).toBeGreaterThan(0);
    const later = collectScenario({ faults: ['systmone-2018'], startAt: Date.UTC(2018, 6, 1), days: 60, releaseSize: { lines: 0 } }).run.faultDescriptions()[0];
    expect(later).toMatchObject({ injected: false, from: null, to: null });
  });
});
