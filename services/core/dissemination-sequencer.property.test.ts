import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DisseminationJudge, DisseminationScreen, DisseminationSequencer } from './dissemination-judge.js';
import type { ReadItem } from './read-item.js';
import { validateRecord } from './record-validation.js';
import type { NdsDissemination } from './records.js';
import { catalogue } from './testing/builders.js';
import { mergedJudgements } from './testing/judged-batches.js';

const OBJECTORS = new Set(['9990000018']);
const mayObject = (nhs: string) => OBJECTORS.has(nhs);

// Few ids, recipients, patients and instants, so that duplicates, conflicting duplicates and invalid lines are
// common and land on either side of any cut.
const line = fc.oneof(
  { weight: 8, arbitrary: fc.record({
    id: fc.integer({ min: 0, max: 9 }),
    nhsNumber: fc.constantFrom('9990000018', '9990000026', '12345'),
    recipient: fc.constantFrom('R', 'S'),
    purpose: fc.constantFrom('RESEARCH', 'DIRECT_CARE', 'PLANNING', 'NOT_A_PURPOSE'),
    sharedAt: fc.integer({ min: 0, max: 5 }),
  }) },
  { weight: 1, arbitrary: fc.constant('unreadable' as const) },
);

function toItem(l: { id: number; nhsNumber: string; recipient: string; purpose: string; sharedAt: number } | 'unreadable', position: number): ReadItem {
  if (l === 'unreadable') return { position, error: `record ${position} cannot be read` };
  return { position, fields: { disseminationId: `d${l.id}`, nhsNumber: l.nhsNumber, recipient: l.recipient, purpose: l.purpose, sharedAt: 1_500_000_000_000 + l.sharedAt } };
}

/** What the dissemination intake means, written plainly: ids and contents as strings in a Map. */
function oracle(items: readonly ReadItem[]) {
  const seen = new Map<string, string>();
  const out = { items: items.length, duplicates: 0, latest: -Infinity, kept: [] as NdsDissemination[], dead: [] as { position: number; reason: string; detail: string }[] };
  for (const item of items) {
    if ('error' in item) {
      out.dead.push({ position: item.position, reason: 'UNDECODABLE', detail: item.error });
      continue;
    }
    const v = validateRecord('ndsDisseminations', item.fields, catalogue);
    if (!v.ok) {
      out.dead.push({ position: item.position, reason: v.reason, detail: v.detail });
      continue;
    }
    const r = v.record;
    const content = JSON.stringify([r.nhsNumber, r.recipient, r.purpose, r.sharedAt]);
    const first = seen.get(r.disseminationId);
    if (first === undefined) {
      seen.set(r.disseminationId, content);
      out.latest = Math.max(out.latest, r.sharedAt);
      if (r.purpose !== 'DIRECT_CARE' && mayObject(r.nhsNumber)) out.kept.push(r);
    } else if (first === content) {
      out.duplicates++;
    } else {
      out.dead.push({ position: item.position, reason: 'CONFLICTING_DUPLICATE', detail: 'disseminationId seen before with different content' });
    }
  }
  return out;
}

describe('DisseminationSequencer', () => {
  it('over batches screened by two screens in any cut, judges as one judge over the whole file, and as the intake means', () => {
    fc.assert(fc.property(fc.array(line, { maxLength: 60 }), fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 8 }), (lines, cutsAt) => {
      const items = lines.map((l, i) => toItem(l, i + 1));
      const single = new DisseminationJudge(catalogue, mayObject).judge(items);
      // Cut anywhere (empty batches included); batches screened alternately by two screens, as two threads would.
      const cuts = [0, ...cutsAt.map((c) => Math.min(c, items.length)).sort((a, b) => a - b), items.length];
      const screens = [new DisseminationScreen(catalogue, mayObject), new DisseminationScreen(catalogue, mayObject)];
      const screened = cuts.slice(1).map((end, i) => screens[i % 2]!.screenBatch(items.slice(cuts[i], end)));
      const sequencer = new DisseminationSequencer();
      const judged = screened.map((s) => sequencer.judge(s));
      expect(mergedJudgements(judged)).toEqual(mergedJudgements([single]));
      expect(mergedJudgements([single])).toEqual(oracle(items));
    }), { numRuns: 500 });
  });

  it('sees conflicts and duplicates across batches against the first valid line of the id', () => {
    const screen = new DisseminationScreen(catalogue, mayObject);
    const sequencer = new DisseminationSequencer();
    const share = (position: number, recipient: string, nhsNumber = '9990000018'): ReadItem => ({ position, fields: { disseminationId: 'd', nhsNumber, recipient, purpose: 'RESEARCH', sharedAt: 1_500_000_000_000 } });
    const first = sequencer.judge(screen.screenBatch([share(1, 'R', 'bad'), share(2, 'R')]));
    const second = sequencer.judge(screen.screenBatch([share(3, 'S'), share(4, 'R')]));
    expect(first.kept.map((k) => k.recipient)).toEqual(['R']);
    expect(first.dead.map((d) => d.position)).toEqual([1]);
    expect(second).toEqual({ items: 2, duplicates: 1, latest: -Infinity, kept: [], dead: [{ position: 3, reason: 'CONFLICTING_DUPLICATE', detail: 'disseminationId seen before with different content' }] });
  });

  it('judges the repeats of an id within a batch in file order, each against the first valid one', () => {
    const sequencer = new DisseminationSequencer();
    const share = (position: number, recipient: string, sharedAt: number, nhsNumber = '9990000018'): ReadItem => ({ position, fields: { disseminationId: 'd', nhsNumber, recipient, purpose: 'RESEARCH', sharedAt: 1_500_000_000_000 + sharedAt } });
    const items = [share(1, 'R', 1), { position: 2, error: 'truncated' }, share(3, 'S', 5), share(4, 'R', 1), share(5, 'S', 5, 'bad'), share(6, 'S', 5), share(7, 'R', 1)];
    const judged = sequencer.judge(new DisseminationScreen(catalogue, mayObject).screenBatch(items));
    expect(judged.duplicates).toBe(2);
    expect(judged.latest).toBe(1_500_000_000_001);
    expect(judged.kept.map((k) => k.recipient)).toEqual(['R']);
    expect(judged.dead.map((d) => [d.position, d.reason])).toEqual([[2, 'UNDECODABLE'], [3, 'CONFLICTING_DUPLICATE'], [5, 'INVALID_NHS_NUMBER'], [6, 'CONFLICTING_DUPLICATE']]);
  });

  it('judges a batch that grows the id table as the intake means', () => {
    // More distinct ids than a table not told what is coming starts with slots for, repeated (the same content or
    // another) on either side of its growth.
    const items: ReadItem[] = [];
    const share = (id: number, recipient: string): ReadItem => ({ position: items.length + 1, fields: { disseminationId: `d${id}`, nhsNumber: '9990000018', recipient, purpose: 'RESEARCH', sharedAt: 1_500_000_000_000 + id } });
    for (let id = 0; id < 6000; id++) {
      items.push(share(id, 'R'));
      if (id % 3 === 2) items.push(share(id - 1, id % 2 === 0 ? 'R' : 'S'), share(id - 2, 'S'));
    }
    const judged = new DisseminationSequencer().judge(new DisseminationScreen(catalogue, mayObject).screenBatch(items));
    expect(judged.duplicates).toBe(1000);
    expect(mergedJudgements([judged])).toEqual(oracle(items));
  });
});
