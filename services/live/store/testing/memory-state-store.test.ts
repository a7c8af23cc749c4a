import { describe, expect, it } from 'vitest';
import { conflictingDuplicate } from '../../../core/duplicates.js';
import { recordIdKey } from '../record-id-key.js';
import { recordLine } from '../record-lines.js';
import type { IngestBatch, IngestItem } from '../state-store.js';
import { partitionKey } from '../topic-partition.js';
import { MemoryStateStore } from './memory-state-store.js';

const valid = (offset: number, id: string, contentHash: string, eventTime = 1_000): IngestItem => {
  const record = { extractId: id, supplier: 'TPP', practiceOds: 'A81001', coversUpTo: 0, receivedAt: eventTime, recordCount: 0 };
  return {
    kind: 'valid', offset, stream: 'ndsManifests', id, contentHash, eventTime, meaning: null, record,
    idKey: recordIdKey('ndsManifests', id), line: recordLine('ndsManifests', offset, record, null),
  };
};
const batch = (partition: number, items: IngestItem[], fetchedFrom = items[0]!.offset): IngestBatch =>
  ({ topic: 'mf', partition, stream: 'ndsManifests', items, nextOffset: items[items.length - 1]!.offset + 1, fetchedFrom, gapAccepted: false });

describe('the in-memory state store', () => {
  it('judges repeated ids by the core\'s rule, across batches and partitions, and publishes dead letters before storing', async () => {
    const store = new MemoryStateStore(() => 0);
    const published: unknown[] = [];
    const outcome = await store.ingest(batch(0, [valid(0, 'x1', 'h1'), valid(1, 'x1', 'h1'), valid(2, 'x1', 'h2', 9_000)]), async (letters) => { published.push(...letters); });
    expect(outcome).toMatchObject({ kind: 'stored', stored: 1, duplicates: 1, maxEventTime: 1_000, deadLetters: [{ offset: 2, ...conflictingDuplicate('ndsManifests') }] });
    expect(published).toEqual([{ offset: 2, ...conflictingDuplicate('ndsManifests') }]);
    const other = await store.ingest(batch(1, [valid(0, 'x1', 'h1'), valid(1, 'x2', 'h3')]), async () => {});
    expect(other).toMatchObject({ stored: 1, duplicates: 1, deadLetters: [] });
    expect(await store.ingestAccounts()).toEqual([
      { topic: 'mf', partition: 0, nextOffset: 3, unaccounted: 0 }, { topic: 'mf', partition: 1, nextOffset: 2, unaccounted: 0 },
    ]);
  });

  it('stores nothing of a batch whose dead letters could not be published', async () => {
    const store = new MemoryStateStore(() => 0);
    await expect(store.ingest(batch(0, [valid(0, 'x1', 'h1'), { kind: 'dead', offset: 1, reason: 'UNDECODABLE', detail: 'x' }]), async () => { throw new Error('down'); })).rejects.toThrow('down');
    expect((await store.storedOffsets([{ topic: 'mf', partition: 0 }])).get(partitionKey('mf', 0))).toBe(0);
    expect(await store.ingest(batch(0, [valid(0, 'x1', 'h1')]), async () => {})).toMatchObject({ stored: 1 });
  });

  it('skips what is stored already and refuses a batch fetched beyond the stored offset', async () => {
    const store = new MemoryStateStore(() => 0);
    await store.ingest(batch(0, [valid(0, 'a', 'h'), valid(1, 'b', 'h')]), async () => {});
    expect(await store.ingest(batch(0, [valid(1, 'b', 'h'), valid(2, 'c', 'h')]), async () => {})).toMatchObject({ previousOffset: 2, stored: 1, duplicates: 0 });
    expect(await store.ingest(batch(0, [valid(5, 'd', 'h')]), async () => {})).toEqual({ kind: 'refused', storedOffset: 3 });
  });

  it('has one decider at a time and fences a deposed one', async () => {
    const store = new MemoryStateStore(() => 0);
    const leader = (await store.tryLead('a'))!;
    expect(await store.tryLead('b')).toBeNull();
    await leader.release();
    const successor = (await store.tryLead('b'))!;
    await expect(leader.commitRound({ streamTime: 1, offsets: new Map(), cut: null, alertChanges: [], decidedAt: 0, snapshot: null })).rejects.toThrow(/no longer current/);
    await successor.commitRound({ streamTime: 1, offsets: new Map([[partitionKey('mf', 0), 2]]), cut: null, alertChanges: [], decidedAt: 0, snapshot: null });
    expect(await successor.loadCheckpoint()).toMatchObject({ streamTime: 1, offsets: new Map([[partitionKey('mf', 0), 2]]), cuts: [] });
  });

  it('tells a decider whether another instance said lately that it holds the stored snapshot', async () => {
    let now = 0;
    const store = new MemoryStateStore(() => now);
    const leader = (await store.tryLead('a'))!;
    const cover = { streamTime: 5, offsets: new Map([[partitionKey('mf', 0), 2]]) };
    await store.reportStandby('b', cover);
    // No snapshot stored yet: nobody holds it.
    expect(await leader.standbyHoldsSnapshot('a', 15_000)).toBe(false);
    await leader.commitRound({ ...cover, cut: null, alertChanges: [], decidedAt: 0, snapshot: { ...cover, format: 2, state: Buffer.from('engine') } });
    expect(await leader.standbyHoldsSnapshot('a', 15_000)).toBe(true);
    // Not the instance asking; not a word as old as the window; not another snapshot; not once taken back.
    expect(await leader.standbyHoldsSnapshot('b', 15_000)).toBe(false);
    now += 15_000;
    expect(await leader.standbyHoldsSnapshot('a', 15_000)).toBe(false);
    await store.reportStandby('b', { ...cover, streamTime: 4 });
    expect(await leader.standbyHoldsSnapshot('a', 15_000)).toBe(false);
    await store.reportStandby('b', cover);
    expect([await leader.standbyHoldsSnapshot('a', 15_000), store.standbys()]).toEqual([true, ['b']]);
    await store.reportStandby('b', null);
    expect([await leader.standbyHoldsSnapshot('a', 15_000), store.standbys()]).toEqual([false, []]);
  });
});
