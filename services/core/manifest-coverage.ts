import type { Millis } from './records.js';

export interface CoveringManifest {
  readonly extractId: string;
  readonly coversUpTo: Millis;
  readonly receivedAt: Millis;
}

function earlier(a: CoveringManifest, b: CoveringManifest): boolean {
  return a.receivedAt < b.receivedAt || (a.receivedAt === b.receivedAt && a.extractId < b.extractId);
}

/**
 * The manifests applied so far, by practice, answering: which is the earliest (by receivedAt, then extractId)
 * with coversUpTo at or after a given instant? Manifests of any supplier count for the practice.
 */
export class ManifestCoverage {
  private readonly byPractice = new Map<string, PracticeManifests>();

  add(practiceOds: string, manifest: CoveringManifest): void {
    let practice = this.byPractice.get(practiceOds);
    if (!practice) this.byPractice.set(practiceOds, (practice = new PracticeManifests()));
    practice.add(manifest);
  }

  earliestCovering(practiceOds: string, instant: Millis): CoveringManifest | undefined {
    return this.byPractice.get(practiceOds)?.earliestCovering(instant);
  }

  /** Drops the manifests that cover only up to before the instant: no lookup at or after it can find them. */
  forgetBefore(instant: Millis): void {
    for (const [ods, practice] of this.byPractice) {
      if (practice.forgetBefore(instant) === 0) this.byPractice.delete(ods);
    }
  }

  /** Every manifest kept, by practice, each practice's in coversUpTo order. */
  entries(): [string, CoveringManifest[]][] {
    return [...this.byPractice].map(([ods, practice]) => [ods, practice.all()]);
  }
}

class PracticeManifests {
  // Sorted by coversUpTo; suffixBest[i] is the earliest manifest among entries i.. (rebuilt lazily).
  private readonly entries: CoveringManifest[] = [];
  private suffixBest: CoveringManifest[] = [];
  private dirty = false;
  private maxCoversUpTo = -Infinity;

  add(manifest: CoveringManifest): void {
    const entries = this.entries;
    let i = entries.length;
    while (i > 0 && entries[i - 1]!.coversUpTo > manifest.coversUpTo) i--;
    entries.splice(i, 0, manifest);
    this.maxCoversUpTo = Math.max(this.maxCoversUpTo, manifest.coversUpTo);
    this.dirty = true;
  }

  all(): CoveringManifest[] {
    return [...this.entries];
  }

  /** Returns how many are left. */
  forgetBefore(instant: Millis): number {
    const entries = this.entries;
    let n = 0;
    while (n < entries.length && entries[n]!.coversUpTo < instant) n++;
    if (n > 0) {
      entries.splice(0, n);
      this.dirty = true;
    }
    return entries.length;
  }

  earliestCovering(instant: Millis): CoveringManifest | undefined {
    // Applied in event-time order, manifests rarely cover an episode that opens after them: answer that at once.
    if (instant > this.maxCoversUpTo) return undefined;
    if (this.dirty) this.rebuild();
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.coversUpTo >= instant) hi = mid;
      else lo = mid + 1;
    }
    return this.suffixBest[lo];
  }

  private rebuild(): void {
    const best: CoveringManifest[] = new Array(this.entries.length);
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const here = this.entries[i]!;
      const next = best[i + 1];
      best[i] = next && earlier(next, here) ? next : here;
    }
    this.suffixBest = best;
    this.dirty = false;
  }
}
