import { describe, expect, it } from 'vitest';
import { collectScenario, meaningOf } from './testing/collected-scenario.js';
import { DAY_MS } from './scenario-params.js';

const run = collectScenario({ faults: ['dropped-withdrawals'], releaseSize: { lines: 0 } });
const fault = run.run.faultDescriptions()[0];
const reached = (e: { nhsNumber: string; code: string; recordedAt: number }) =>
  run.ndsReceived.some((r) => r.nhsNumber === e.nhsNumber && r.code === e.code && r.receivedAt > e.recordedAt && r.receivedAt < e.recordedAt + DAY_MS);

describe('fault profile dropped-withdrawals', () => {
  it('keeps some withdrawals, and only withdrawals, from the national service', () => {
    const lost = run.gpEvents.filter((e) => !reached(e));
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.filter((e) => meaningOf(e.code)?.action !== 'WITHDRAWN')).toEqual([]);
    expect(fault?.affected.droppedWithdrawals?.count).toBe(lost.length);
    expect(fault?.from).toBe(new Date(lost[0]?.recordedAt as number).toISOString());
  });
});
