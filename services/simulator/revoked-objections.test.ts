import { describe, expect, it } from 'vitest';
import { collectScenario, meaningOf, SideTimeline, type CollectedScenario } from './testing/collected-scenario.js';

/** Withdrawals the national service received while the GP record still held the dissent. */
function revocations(run: CollectedScenario) {
  const gp = SideTimeline.upstream(run.gpEvents);
  return run.ndsReceived.filter((r) => {
    const m = meaningOf(r.code);
    return m?.action === 'WITHDRAWN' && gp.activeAt(r.nhsNumber, m.type, r.receivedAt);
  });
}

describe('fault profile revoked-objections', () => {
  it('delivers withdrawals the GP record does not hold, of objections the service held, as many as it states', () => {
    const run = collectScenario({ faults: ['revoked-objections'], releaseSize: { lines: 0 } });
    const fault = run.run.faultDescriptions()[0];
    const found = revocations(run);
    expect(found.length).toBeGreaterThanOrEqual(3);
    expect(fault?.affected.revokedObjections?.count).toBe(found.length);
    const nds = SideTimeline.downstream(run.ndsReceived.filter((r) => !found.includes(r)));
    expect(found.filter((r) => !nds.activeAt(r.nhsNumber, meaningOf(r.code)?.type as never, r.receivedAt))).toEqual([]);
  });

  it('never happens without the fault', () => {
    expect(revocations(collectScenario({ releaseSize: { lines: 0 } }))).toEqual([]);
  });
});
