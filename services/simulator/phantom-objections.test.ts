import { describe, expect, it } from 'vitest';
import { collectScenario, meaningOf, SideTimeline, type CollectedScenario } from './testing/collected-scenario.js';

/** Dissents the national service received while the GP record held no dissent of that type. */
function phantoms(run: CollectedScenario) {
  const gp = SideTimeline.upstream(run.gpEvents);
  return run.ndsReceived.filter((r) => {
    const m = meaningOf(r.code);
    return m?.action === 'DISSENT' && !gp.activeAt(r.nhsNumber, m.type, r.receivedAt);
  });
}

describe('fault profile phantom-objections', () => {
  it('delivers objections for patients whose GP record holds none, as many as it states', () => {
    const run = collectScenario({ faults: ['phantom-objections'], releaseSize: { lines: 0 } });
    const fault = run.run.faultDescriptions()[0];
    const found = phantoms(run);
    expect(found.length).toBeGreaterThanOrEqual(3);
    expect(fault?.affected.phantomObjections?.count).toBe(found.length);
    expect(found.every((r) => r.sourceEventId === null)).toBe(true);
  });

  it('never happens without the fault', () => {
    expect(phantoms(collectScenario({ releaseSize: { lines: 0 } }))).toEqual([]);
  });
});
