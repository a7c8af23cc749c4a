import type { Millis } from './records.js';

export interface CoveringManifest {
  readonly extractId: string;
  readonly coversUpTo: Millis;
  readonly receivedAt: Millis;
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

/** One practice's manifests, as columns (a replay holds hundreds of thousands): no object kept per manifest. */
class PracticeManifests {
  // Sorted by coversUpTo; best[i] is the position of the earliest manifest among positions i.. (rebuilt lazily).
  private readonly extractIds: string[] = [];
  private readonly covers: number[] = [];
  private readonly received: number[] = [];
  private best: number[] = [];
  private dirty = false;
  private maxCoversUpTo = -Infinity;

  add(manifest: CoveringManifest): void {
    const covers = this.covers;
    let i = covers.length;
    while (i > 0 && covers[i - 1]! > manifest.coversUpTo) i--;
    if (i === covers.length) {
      this.extractIds.push(manifest.extractId);
      covers.push(manifest.coversUpTo);
      this.received.push(manifest.receivedAt);
    } else {
      this.extractIds.splice(i, 0, manifest.extractId);
      covers.splice(i, 0, manifest.coversUpTo);
      this.received.splice(i, 0, manifest.receivedAt);
    }
    if (manifest.coversUpTo > this.maxCoversUpTo) this.maxCoversUpTo = manifest.coversUpTo;
    this.dirty = true;
  }

  all(): CoveringManifest[] {
    return this.covers.map((_, i) => this.at(i));
  }

  /** Returns how many are left. */
  forgetBefore(instant: Millis): number {
    const covers = this.covers;
    let n = 0;
    while (n < covers.length && covers[n]! < instant) n++;
    if (n > 0) {
      this.extractIds.splice(0, n);
      covers.splice(0, n);
      this.received.splice(0, n);
      this.dirty = true;
    }
    return covers.length;
  }

  earliestCovering(instant: Millis): CoveringManifest | undefined {
    // Applied in event-time order, manifests rarely cover an episode that opens after them: answer that at once.
    if (instant > this.maxCoversUpTo) return undefined;
    if (this.dirty) this.rebuild();
    const covers = this.covers;
    let lo = 0;
    let hi = covers.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (covers[mid]! >= instant) hi = mid;
      else lo = mid + 1;
    }
    return lo < covers.length ? this.at(this.best[lo]!) : undefined;
  }

  private at(i: number): CoveringManifest {
    return { extractId: this.extractIds[i]!, coversUpTo: this.covers[i]!, receivedAt: this.received[i]! };
  }

  /** Whether the manifest at i is earlier (by receivedAt, then extractId) than the one at j. */
  private earlier(i: number, j: number): boolean {
    const a = this.received[i]!;
    const b = this.received[j]!;
    return a < b || (a === b && this.extractIds[i]! < this.extractIds[j]!);
  }

  private rebuild(): void {
    const n = this.covers.length;
    const best: number[] = new Array<number>(n);
    for (let i = n - 1; i >= 0; i--) {
      const next = i + 1 < n ? best[i + 1]! : -1;
      best[i] = next >= 0 && this.earlier(next, i) ? next : i;
    }
    this.best = best;
    this.dirty = false;
  }
}
