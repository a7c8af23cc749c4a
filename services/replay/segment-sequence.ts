// The lead's side of a shared dissemination file (see dissemination-worker.ts): screened segments, from either
// thread, wait here until the sequencing reaches them, and are judged in file order. The lead sequences between
// its own blocks as well as between segments, so a failure met while sequencing is kept: every later call meets it
// again, and nothing after the segment it came from is judged, whichever call it surfaced from.
import type { ScreenedDisseminations } from '../core/dissemination-judge.js';
import type { HelperMessage, ScreenedSegment } from './dissemination-segments.js';

/** What the sequencing tells the claim counters (SegmentClaims): how far it is, or that no segment is left to claim. */
export interface SequenceProgress {
  sequenced(next: number): void;
  stop(count: number): void;
}

export class SegmentSequence {
  private readonly screened = new Map<number, ScreenedSegment | { readonly failed: string }>();
  private position = 0;
  private failure: { readonly error: unknown } | null = null;

  constructor(
    private readonly count: number,
    private readonly judge: (batch: ScreenedDisseminations) => void,
    private readonly progress: SequenceProgress,
  ) {}

  /** The next segment to sequence (at the count: every segment is, or the file's reading ends before the rest). */
  get next(): number {
    return this.position;
  }

  get done(): boolean {
    return this.position >= this.count;
  }

  /** Whether the next segment has arrived, screened or failed. */
  get nextArrived(): boolean {
    return this.screened.has(this.position);
  }

  /** A segment screened by either thread, or why it could not be. */
  add(index: number, segment: ScreenedSegment | { readonly failed: string }): void {
    this.screened.set(index, segment);
  }

  take(message: HelperMessage): void {
    this.add(message.index, message.type === 'segment' ? message.segment : { failed: message.message });
  }

  /**
   * Judges the segments ready from `next` on, in order; stops at one not yet arrived. Throws, now and on every later
   * call, the error of a segment that could not be screened once the sequencing reaches it (in file order, after
   * everything before it), or an error judging threw.
   */
  sequenceReady(): void {
    if (this.failure !== null) throw this.failure.error;
    try {
      this.sequence();
    } catch (error) {
      this.failure = { error };
      throw error;
    }
  }

  /** The error sequencing met, if it did: a segment being screened meanwhile is given up. */
  get failed(): { readonly error: unknown } | null {
    return this.failure;
  }

  private sequence(): void {
    for (let ready = this.screened.get(this.position); ready !== undefined; ready = this.screened.get(this.position)) {
      if ('failed' in ready) throw new Error(ready.failed);
      for (const batch of ready.batches) this.judge(batch);
      this.screened.delete(this.position);
      this.position = ready.stopped ? this.count : this.position + 1;
      if (ready.stopped) this.progress.stop(this.count);
      else this.progress.sequenced(this.position);
    }
  }
}
