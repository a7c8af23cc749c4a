import { describe, expect, it } from 'vitest';
import type { NdsDissemination } from './records.js';
import { ScreenedBatch } from './screened-disseminations.js';

const line = (n: number): NdsDissemination => ({ disseminationId: `d-${n}`, nhsNumber: '9990000018', recipient: 'R', purpose: 'RESEARCH', sharedAt: n });

describe('a screened batch', () => {
  it('hands over the lines to keep in the batch\'s order, however many were told out of order', () => {
    // A block can keep hundreds of thousands of lines, told in any order (those read from bytes at the block's end).
    const lines = 300_000;
    const batch = new ScreenedBatch(16);
    for (let i = 0; i < lines; i++) batch.addValid(i, i, i, i, i, i + 1, null);
    for (let i = lines - 1; i >= 0; i -= 2) batch.keep(i, line(i));
    for (let i = lines - 2; i >= 0; i -= 2) batch.keep(i, line(i));
    const screened = batch.finish();
    expect(screened.keptAt.length).toBe(lines);
    expect(screened.keptAt.every((at, i) => at === i)).toBe(true);
    expect(screened.kept.every((record, i) => record.sharedAt === i)).toBe(true);
  });
});
