import { describe, expect, it } from 'vitest';
import { HeldBatches, type BatchRow } from './held-batches.js';
import { partitionKey } from './topic-partition.js';

const P = partitionKey('gp', 0);
const row = (from: number, to: number): BatchRow => ({ from, to, records: `${from}-${to}` });

describe('batches a decider session holds', () => {
  it('serves the next ranges of a batch it read, and lets it go once a range reaches its end', () => {
    const held = new HeldBatches();
    const batch = row(0, 1000);
    expect(held.take(P, 300, 500)).toBeNull();
    held.hold(P, 500, [batch]);
    expect(held.take(P, 500, 700)).toEqual([batch]);
    expect(held.take(P, 900, 1000)).toEqual([batch]);
    expect(held.partitions).toBe(0);
    expect(held.take(P, 900, 1000)).toBeNull();
  });

  it('holds the last row found, the one the next range starts in, and only its span', () => {
    const held = new HeldBatches();
    const runs = [row(100, 140), row(150, 400)];
    held.hold(P, 200, runs);
    expect(held.take(P, 140, 200)).toBeNull();
    expect(held.take(P, 300, 401)).toBeNull();
    expect(held.take(P, 200, 300)).toEqual([runs[1]]);
    expect(held.take(P, 390, 400)).toEqual([runs[1]]);
    expect(held.take(P, 390, 400)).toBeNull();
  });

  it('holds nothing when the rows found end within the range: the next range is read', () => {
    const held = new HeldBatches();
    held.hold(P, 500, [row(0, 500)]);
    held.hold(partitionKey('gp', 1), 500, []);
    expect(held.partitions).toBe(0);
    expect(held.take(P, 0, 10)).toBeNull();
  });
});
