import type { JudgedDisseminations } from '../dissemination-judge.js';

/** Judged dissemination batches as the replay takes them in, added up: what any cut of the file must come to. */
export function mergedJudgements(batches: readonly JudgedDisseminations[]) {
  return {
    items: batches.reduce((n, b) => n + b.items, 0),
    duplicates: batches.reduce((n, b) => n + b.duplicates, 0),
    latest: batches.reduce((l, b) => Math.max(l, b.latest), -Infinity),
    kept: batches.flatMap((b) => b.kept),
    dead: batches.flatMap((b) => b.dead),
  };
}
