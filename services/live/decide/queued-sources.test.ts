import { describe, expect, it } from 'vitest';
import { partitionKey } from '../store/topic-partition.js';
import { QueuedSources } from './queued-sources.js';

const P0 = partitionKey('t', 0);
const P1 = partitionKey('t', 1);

describe('where the queued records were read from', () => {
  it('names, by partition, the lowest offset of a record dated after the time reached', () => {
    const sources = new QueuedSources();
    // Offered while the engine stood at 10: the record dated 5 is late, applied at the next advance.
    sources.offered(P0, 3, 5, 10);
    sources.offered(P0, 4, 30, 10);
    sources.offered(P0, 5, 20, 10);
    sources.offered(P0, 6, 40, 10);
    sources.offered(P1, 0, 15, 10);
    expect(sources.lowestWaiting(10)).toEqual(new Map([[P0, 4], [P1, 0]]));
    // At 25, offset 4 (30) and 6 (40) still wait; 5 (20) does not.
    expect(sources.lowestWaiting(25)).toEqual(new Map([[P0, 4]]));
    expect(sources.lowestWaiting(30)).toEqual(new Map([[P0, 6]]));
    expect(sources.lowestWaiting(40)).toEqual(new Map());
  });

  it('lets the leading records of each partition go as the engine advances, keeping those behind one still waiting', () => {
    const sources = new QueuedSources();
    for (const [offset, time] of [[0, 11], [1, 12], [2, 30], [3, 13], [4, 14]] as const) sources.offered(P0, offset, time, 10);
    sources.advanced(12);
    expect(sources.lowestWaiting(12)).toEqual(new Map([[P0, 2]]));
    sources.advanced(20);
    // Offset 2 (30) still waits; 3 and 4 are applied and go at lowestWaiting.
    expect(sources.lowestWaiting(20)).toEqual(new Map([[P0, 2]]));
    sources.offered(P0, 5, 25, 20);
    sources.advanced(30);
    expect(sources.lowestWaiting(30)).toEqual(new Map());
  });
});
