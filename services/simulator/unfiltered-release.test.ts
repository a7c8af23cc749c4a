import { describe, expect, it } from 'vitest';
import { collectScenario, SideTimeline, type CollectedScenario } from './testing/collected-scenario.js';

/** Lines, other than for direct care, of patients whose objection the national service held when they went out. */
function leaks(run: CollectedScenario) {
  const nds = SideTimeline.downstream(run.ndsReceived);
  return run.ndsDisseminations.filter((d) => d.purpose !== 'DIRECT_CARE' && (nds.activeAt(d.nhsNumber, 'TYPE_1', d.sharedAt) || nds.activeAt(d.nhsNumber, 'TYPE_2', d.sharedAt)));
}

describe('fault profile unfiltered-release', () => {
  it('lets one weekly release, and only that one, out without the opt-out filter', () => {
    const run = collectScenario({ faults: ['unfiltered-release'], releaseSize: { lines: 2000 } });
    const fault = run.run.faultDescriptions()[0];
    const found = leaks(run);
    expect(found.length).toBeGreaterThan(0);
    expect(new Set(found.map((d) => new Date(d.sharedAt).toISOString().slice(0, 10)))).toEqual(new Set([fault?.details.releaseDay]));
    expect(fault?.affected.linesDespiteHeldObjection?.count).toBe(found.length);
    expect(fault?.from?.slice(0, 10)).toBe(fault?.details.releaseDay);
  });
});
