import { describe, expect, it } from 'vitest';
import { STREAM_FIELDS, STREAM_NAMES } from '../core/records.js';
import { collectScenario } from './testing/collected-scenario.js';

const run = collectScenario({ faults: ['redeliveries'], releaseSize: { lines: 1000 } });
const fault = run.run.faultDescriptions()[0];

describe('fault profile redeliveries', () => {
  it('delivers some records again after the first: mostly the same content, two per stream with different content', () => {
    for (const stream of STREAM_NAMES) {
      const first = new Map<string, string>();
      let exact = 0;
      let conflicting = 0;
      for (const item of run.items) {
        if (item.kind !== 'record' || item.stream !== stream) continue;
        const id = (item.record as unknown as Record<string, string>)[STREAM_FIELDS[stream].id] as string;
        const content = JSON.stringify(item.record);
        const seen = first.get(id);
        if (seen === undefined) first.set(id, content);
        else if (seen === content) exact++;
        else conflicting++;
      }
      expect(conflicting).toBe(2);
      expect(fault?.affected[`${stream}.conflictingCopies`]?.count).toBe(2);
      expect(fault?.affected[`${stream}.exactCopies`]?.count ?? 0).toBe(exact);
    }
    expect(fault?.affected['ndsDisseminations.exactCopies']?.count).toBeGreaterThan(0);
    expect(fault?.affected['ndsManifests.exactCopies']?.count).toBeGreaterThan(0);
  });

  it('never repeats an id without the fault', () => {
    const clean = collectScenario({ releaseSize: { lines: 1000 } });
    for (const stream of STREAM_NAMES) {
      const ids = clean.items.flatMap((i) => (i.kind === 'record' && i.stream === stream ? [(i.record as unknown as Record<string, string>)[STREAM_FIELDS[stream].id]] : []));
      expect(new Set(ids).size).toBe(ids.length);
    }
  });
});
