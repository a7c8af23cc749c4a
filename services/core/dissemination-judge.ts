import type { CodeCatalogue } from './code-catalogue.js';
import type { DeadLetterReason } from './dead-letter-reason.js';
import { conflictingDuplicate } from './duplicates.js';
import { RecordScreen } from './record-screen.js';
import { buildRecord } from './record-validation.js';
import type { NdsDissemination } from './records.js';
import type { ReadItem } from './read-item.js';
import { ACCEPTED, admitBatch, DUPLICATE } from './batch-admission.js';
import { SeenIds } from './seen-ids.js';

/**
 * What a batch of dissemination lines comes to, judged in file order: the lines that can matter (of patients
 * with a recorded dissent, for purposes other than direct care) whole, and for the rest only counts. Plain data,
 * so that the file can be judged on another thread and handed over cheaply.
 */
export interface JudgedDisseminations {
  readonly items: number;
  readonly duplicates: number;
  /** The latest sharedAt among the lines accepted (neither dead letters nor duplicates); -Infinity if none. */
  readonly latest: number;
  readonly kept: readonly NdsDissemination[];
  readonly dead: readonly { readonly position: number; readonly reason: DeadLetterReason; readonly detail: string }[];
}

/**
 * The dissemination file's intake: validation, then duplicates among valid lines (judged against the first valid
 * line with that id, in file order, as Intake does for the other inputs). The file is by far the largest input:
 * ids are remembered as fingerprints (seen-ids.ts) and nothing is allocated for a line that cannot matter.
 */
export class DisseminationJudge {
  private readonly screen: RecordScreen;
  private readonly seen = new SeenIds();

  /** `mayObject` says whether a patient has any recorded dissent: nobody else's release can breach one. */
  constructor(catalogue: CodeCatalogue, private readonly mayObject: (nhsNumber: string) => boolean) {
    this.screen = new RecordScreen(catalogue);
  }

  /** A hint: about this many lines are coming (sizes the id table once). */
  expect(lines: number): void {
    this.seen.reserve(lines);
  }

  judge(items: readonly ReadItem[]): JudgedDisseminations {
    const screen = this.screen;
    const seen = this.seen;
    const mayObject = this.mayObject;
    const kept: NdsDissemination[] = [];
    const batch = admitBatch(items, 'sharedAt', (fields) => {
      const result = screen.screen('ndsDisseminations', fields);
      if (!result.ok) return result;
      const sighting = seen.sight(screen.idHi, screen.idLo, screen.contentHi, screen.contentLo);
      if (sighting === 'duplicate') return DUPLICATE;
      if (sighting === 'conflict') return conflictingDuplicate('ndsDisseminations');
      if (fields.purpose !== 'DIRECT_CARE' && mayObject(fields.nhsNumber as string)) kept.push(buildRecord('ndsDisseminations', fields));
      return ACCEPTED;
    });
    return { ...batch, kept };
  }
}
