import { describe, expect, it } from 'vitest';
import { PartitionWindow } from './partition-window.js';

const messages = (...offsets: number[]) => offsets.map((o) => ({ offset: String(o) }));

describe('the offsets an export takes', () => {
  it('takes a batch from the position up to the end offset found at the start, never past it', () => {
    const window = new PartitionWindow([{ topic: 't', partition: 0, startOffset: 2, endOffset: 5 }]);
    expect(window.take('t', 0, messages(1, 2, 3, 4, 5, 6)).map((m) => m.offset)).toEqual(['2', '3', '4']);
    window.advance('t', 0, 7);
    expect(window.finished).toBe(true);
    // A later batch of a finished partition (records produced since the start) is not taken.
    expect(window.take('t', 0, messages(7, 8))).toEqual([]);
  });

  it('is finished only when every partition has reached its end; an empty partition is finished at once', () => {
    const window = new PartitionWindow([
      { topic: 'a', partition: 0, startOffset: 0, endOffset: 3 },
      { topic: 'a', partition: 1, startOffset: 4, endOffset: 4 },
      { topic: 'b', partition: 0, startOffset: 0, endOffset: 1 },
    ]);
    expect(window.topics()).toEqual(['a', 'b']);
    window.advance('a', 0, 2);
    expect(window.take('a', 0, messages(1, 2, 3)).map((m) => m.offset)).toEqual(['2']);
    window.advance('b', 0, 1);
    expect([window.finished, window.topics()]).toEqual([false, ['a']]);
    // Control records at the end of a log are never delivered; the batch's end moves the position past them.
    window.advance('a', 0, 3);
    expect(window.finished).toBe(true);
  });

  it('is finished from the start when every partition is empty', () => {
    expect(new PartitionWindow([{ topic: 't', partition: 0, startOffset: 9, endOffset: 9 }]).finished).toBe(true);
  });
});
