import { describe, expect, it } from 'vitest';
import { storedBatch } from '../store/testing/stored-batches.js';
import { partitionKey } from '../store/topic-partition.js';
import { RecordFeed } from './record-feed.js';

const batch = (partition: number, from: number, to: number) => storedBatch('t', partition, from, to);

const P0 = partitionKey('t', 0);
const P1 = partitionKey('t', 1);

describe('record feed', () => {
  it('keeps batches by partition, in the order partitions first had one waiting', () => {
    const feed = new RecordFeed(100);
    feed.accept(batch(1, 0, 2));
    feed.accept(batch(0, 0, 3));
    feed.accept(batch(1, 2, 4));
    expect(feed.partitions()).toEqual([P1, P0]);
    expect(feed.batches(P1).map((b) => [b.from, b.to])).toEqual([[0, 2], [2, 4]]);
    expect(feed.batches(partitionKey('t', 9))).toEqual([]);
    expect(feed.records).toBe(7);
  });

  it('leaves a batch to the store when keeping it would pass the capacity', () => {
    const feed = new RecordFeed(5);
    expect(feed.accept(batch(0, 0, 3))).toBe(true);
    expect(feed.accept(batch(0, 3, 6))).toBe(false);
    expect(feed.accept(batch(0, 3, 5))).toBe(true);
    expect(feed.records).toBe(5);
  });

  it.each([
    ['at the start of a batch', 2, true],
    ['inside a batch', 3, true],
    ['at the end of the last batch', 4, false],
    ['before the first batch (a gap)', 0, false],
  ])('says whether a batch takes a partition on from an offset %s', (_, at, expected) => {
    const feed = new RecordFeed(100);
    feed.accept(batch(0, 2, 4));
    expect(feed.continuesAt(P0, at)).toBe(expected);
    expect(feed.continuesAt(P1, at)).toBe(false);
  });

  it('releases the batches ending at or before an offset, and forgets a partition with none left', () => {
    const feed = new RecordFeed(100);
    feed.accept(batch(0, 0, 2));
    feed.accept(batch(0, 2, 5));
    feed.accept(batch(1, 0, 1));
    feed.release(P0, 3);
    expect(feed.batches(P0).map((b) => [b.from, b.to])).toEqual([[2, 5]]);
    expect(feed.records).toBe(4);
    feed.release(P0, 5);
    expect(feed.partitions()).toEqual([P1]);
    expect(feed.records).toBe(1);
    // Room again for what the capacity refused before.
    feed.accept(batch(0, 5, 7));
    expect(feed.partitions()).toEqual([P1, P0]);
  });

  it('drops every batch of a partition, making room, and says when a round\'s worth more would not fit', () => {
    const feed = new RecordFeed(10);
    feed.accept(batch(0, 0, 3));
    feed.accept(batch(0, 3, 6));
    feed.accept(batch(1, 0, 2));
    expect([feed.filling(2), feed.filling(3)]).toEqual([false, true]);
    feed.drop(P0);
    feed.drop(partitionKey('t', 9));
    expect([feed.partitions(), feed.records, feed.continuesAt(P0, 3), feed.filling(3)]).toEqual([[P1], 2, false, false]);
  });
});
