import { describe, expect, it } from 'vitest';
import type { ScreenedDisseminations } from '../core/dissemination-judge.js';
import type { ScreenedSegment } from './dissemination-segments.js';
import { SegmentSequence } from './segment-sequence.js';

// A batch is opaque to the sequencing: each stands for itself here, named for its segment and place.
const batch = (name: string) => ({ name }) as unknown as ScreenedDisseminations;
const segment = (names: string[], stopped = false): ScreenedSegment => ({ batches: names.map(batch), stopped });
const nameOf = (b: ScreenedDisseminations) => (b as unknown as { name: string }).name;

function sequenceOf(count: number, judge: (name: string) => void = () => {}) {
  const judged: string[] = [];
  const progress: string[] = [];
  const sequence = new SegmentSequence(count, (b) => {
    judge(nameOf(b));
    judged.push(nameOf(b));
  }, { sequenced: (next) => progress.push(`sequenced ${next}`), stop: (n) => progress.push(`stop ${n}`) });
  return { sequence, judged, progress };
}

describe('SegmentSequence', () => {
  it('judges segments in file order, whatever order they arrive in, and reports how far it is', () => {
    const { sequence, judged, progress } = sequenceOf(3);
    sequence.add(2, segment(['2a']));
    sequence.sequenceReady();
    expect(judged).toEqual([]);
    sequence.take({ type: 'segment', index: 1, segment: segment(['1a', '1b']) });
    sequence.add(0, segment(['0a']));
    expect(sequence.nextArrived).toBe(true);
    sequence.sequenceReady();
    expect(judged).toEqual(['0a', '1a', '1b', '2a']);
    expect(progress).toEqual(['sequenced 1', 'sequenced 2', 'sequenced 3']);
    expect(sequence.done).toBe(true);
  });

  it('ends at a segment where the reading stops, leaving the later ones unjudged', () => {
    const { sequence, judged, progress } = sequenceOf(4);
    sequence.add(0, segment(['0a'], true));
    sequence.add(1, segment(['1a']));
    sequence.sequenceReady();
    expect(judged).toEqual(['0a']);
    expect(progress).toEqual(['stop 4']);
    expect(sequence.done).toBe(true);
  });

  it('meets a segment that could not be screened in its turn, after everything before it', () => {
    const { sequence, judged } = sequenceOf(3);
    sequence.take({ type: 'failed', index: 1, message: 'block 7: bad sync marker' });
    sequence.add(2, segment(['2a']));
    sequence.sequenceReady();
    sequence.add(0, segment(['0a']));
    expect(() => sequence.sequenceReady()).toThrow('block 7: bad sync marker');
    expect(judged).toEqual(['0a']);
    expect(sequence.next).toBe(1);
  });

  it('keeps an error judging threw: every later call meets it, and nothing after it is judged', () => {
    const fault = new RangeError('Array buffer allocation failed');
    const { sequence, judged } = sequenceOf(3, (name) => {
      if (name === '1b') throw fault;
    });
    sequence.add(0, segment(['0a']));
    sequence.add(1, segment(['1a', '1b', '1c']));
    expect(() => sequence.sequenceReady()).toThrow(fault);
    expect(sequence.failed?.error).toBe(fault);
    sequence.add(2, segment(['2a']));
    expect(() => sequence.sequenceReady()).toThrow(fault);
    expect(judged).toEqual(['0a', '1a']);
    expect(sequence.done).toBe(false);
  });
});
