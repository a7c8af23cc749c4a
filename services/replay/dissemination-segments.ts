// What the two threads that share the dissemination file's judging have in common (see dissemination-worker.ts):
// which segment each takes next, and how a segment is screened into compact results.
import type { ContainerSegment, SegmentReading } from '../codec/container-reader.js';
import type { ScreenedDisseminations } from '../core/dissemination-judge.js';

/** A segment read: one screened batch per block, and whether the file's reading ends in it (a corrupt block). */
export interface ScreenedSegment {
  readonly batches: readonly ScreenedDisseminations[];
  readonly stopped: boolean;
}

/** What the helper sends the lead: the segments, once, then each segment it screened (or why it could not). */
export type HelperMessage =
  | { readonly type: 'segment'; readonly index: number; readonly segment: ScreenedSegment }
  | { readonly type: 'failed'; readonly index: number; readonly message: string };

/** What the lead sends the helper: the file's segments, before anything else. */
export interface LeadMessage {
  readonly segments: readonly ContainerSegment[];
}

// Segments screened but not yet sequenced are held: neither thread claims one this far ahead of the sequencing,
// so that a thread held up (the machine is shared) does not make the other pile up results.
const AHEAD = 8;
const CLAIMED = 0;
const SEQUENCED = 1;

/**
 * The two threads' shared counters (in a SharedArrayBuffer both are given): the next segment to claim, and the
 * next to sequence. Each thread claims the next segment when it is free, so neither waits on a fixed share.
 */
export class SegmentClaims {
  private readonly words: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
  }

  static buffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  }

  /** Whether a claim now would be too far ahead of the sequencing. */
  get full(): boolean {
    return Atomics.load(this.words, CLAIMED) >= Atomics.load(this.words, SEQUENCED) + AHEAD;
  }

  /** The next segment's index (at or past the count: none left). */
  claim(): number {
    return Atomics.add(this.words, CLAIMED, 1);
  }

  /** Blocks (a worker thread only) until a claim is no longer too far ahead, or `count` segments are sequenced. */
  waitForRoom(count: number): void {
    for (;;) {
      const sequenced = Atomics.load(this.words, SEQUENCED);
      if (sequenced >= count || Atomics.load(this.words, CLAIMED) < sequenced + AHEAD) return;
      Atomics.wait(this.words, SEQUENCED, sequenced, 1000);
    }
  }

  /** The sequencing has reached segment `next`; `count` stops every further claim. */
  sequenced(next: number): void {
    Atomics.store(this.words, SEQUENCED, next);
    Atomics.notify(this.words, SEQUENCED);
  }

  /** No segment is to be claimed any more (the file's reading ends before them). */
  stop(count: number): void {
    Atomics.store(this.words, CLAIMED, count);
    this.sequenced(count);
  }
}

/**
 * Reads one segment, screened as it is read (codec/screened-dissemination-blocks.ts); `afterBlock`, if given, is
 * called after each block's batch (the lead sequences what is ready in the meantime).
 */
export async function screenSegment(reading: SegmentReading<ScreenedDisseminations>, afterBlock?: () => void): Promise<ScreenedSegment> {
  const screened: ScreenedDisseminations[] = [];
  for await (const batch of reading.items) {
    screened.push(batch);
    afterBlock?.();
  }
  return { batches: screened, stopped: reading.stopped() };
}

/** The buffers of a screened segment, to move rather than copy them to another thread. */
export function transferablesOf(segment: ScreenedSegment): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const b of segment.batches) out.push(b.deadAt.buffer as ArrayBuffer, b.prints.buffer as ArrayBuffer, b.sharedAt.buffer as ArrayBuffer, b.positions.buffer as ArrayBuffer);
  return out;
}
