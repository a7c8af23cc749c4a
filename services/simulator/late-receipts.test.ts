import { describe, expect, it } from 'vitest';
import { collectScenario } from './testing/collected-scenario.js';
import { SLA_MS } from './scenario-generator.js';
import { DAY_MS } from './scenario-params.js';

const run = collectScenario({ faults: ['late-receipts'], releaseSize: { lines: 0 } });
const fault = run.run.faultDescriptions()[0];
const recordedAt = new Map(run.gpEvents.map((e) => [e.eventId, e.recordedAt]));
const linked = run.ndsReceived.filter((r) => r.sourceEventId !== null);
const delayOf = (r: { sourceEventId: string | null; receivedAt: number }) => r.receivedAt - (recordedAt.get(r.sourceEventId as string) as number);

describe('fault profile late-receipts', () => {
  it('delivers some receipts beyond the 72-hour service level and the rest the next morning', () => {
    const late = linked.filter((r) => delayOf(r) > SLA_MS);
    const count = fault?.affected.lateReceipts?.count as number;
    expect(late.length).toBeGreaterThan(0);
    // Receipts without a source event id cannot be timed here, so the linked late ones are at most the total.
    expect(late.length).toBeLessThanOrEqual(count);
    expect(late.length + (run.ndsReceived.length - linked.length)).toBeGreaterThanOrEqual(count);
    expect(linked.filter((r) => delayOf(r) >= DAY_MS && delayOf(r) <= SLA_MS)).toEqual([]);
  });

  it('names late receipts that are indeed late', () => {
    const samples = new Set(fault?.affected.lateReceipts?.sampleIds);
    const sampled = linked.filter((r) => samples.has(r.receiptId));
    expect(sampled.length).toBeGreaterThan(0);
    expect(sampled.filter((r) => delayOf(r) <= SLA_MS)).toEqual([]);
  });
});
