import type { CodeCatalogue } from './code-catalogue.js';
import type { DeadLetterReason } from './dead-letter-reason.js';
import { conflictingDuplicate } from './duplicates.js';
import { RecordScreen } from './record-screen.js';
import { buildRecord } from './record-validation.js';
import type { NdsDissemination } from './records.js';
import type { ReadItem } from './read-item.js';
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
 * A batch of dissemination lines validated and fingerprinted, but not yet judged for duplicates: compact (typed
 * arrays, transferable between threads) so that a file can be screened in parts on several threads and then
 * sequenced, in file order, on one.
 */
export interface ScreenedDisseminations {
  readonly items: number;
  /** Per item: 1 if it is a dead letter already (unreadable or invalid), else 0. */
  readonly deadAt: Uint8Array;
  /** The valid lines, in order: four words each (the id's fingerprint, then the content's). */
  readonly prints: Uint32Array;
  readonly sharedAt: Float64Array;
  readonly positions: Float64Array;
  /** The dead letters among the items, in order. */
  readonly dead: readonly DeadLetter[];
  /** Valid lines to keep if accepted (of objectors, not for direct care): their index among the valid lines, and the record. */
  readonly keptAt: readonly number[];
  readonly kept: readonly NdsDissemination[];
}

type DeadLetter = { readonly position: number; readonly reason: DeadLetterReason; readonly detail: string };

/** Validation and fingerprints of dissemination lines: everything of the intake but the id table. */
export class DisseminationScreen {
  private readonly screen: RecordScreen;

  /** `mayObject` says whether a patient has any recorded dissent: nobody else's release can breach one. */
  constructor(catalogue: CodeCatalogue, private readonly mayObject: (nhsNumber: string) => boolean) {
    this.screen = new RecordScreen(catalogue);
  }

  screenBatch(items: readonly ReadItem[]): ScreenedDisseminations {
    const screen = this.screen;
    const mayObject = this.mayObject;
    const n = items.length;
    const deadAt = new Uint8Array(n);
    let prints = new Uint32Array(n * 4);
    let sharedAt = new Float64Array(n);
    let positions = new Float64Array(n);
    const dead: DeadLetter[] = [];
    const keptAt: number[] = [];
    const kept: NdsDissemination[] = [];
    let valid = 0;
    for (let i = 0; i < n; i++) {
      const item = items[i]!;
      if ('error' in item) {
        deadAt[i] = 1;
        dead.push({ position: item.position, reason: 'UNDECODABLE', detail: item.error });
        continue;
      }
      const fields = item.fields;
      const result = screen.screen('ndsDisseminations', fields);
      if (!result.ok) {
        deadAt[i] = 1;
        dead.push({ position: item.position, reason: result.reason, detail: result.detail });
        continue;
      }
      const w = valid * 4;
      prints[w] = screen.idHi;
      prints[w + 1] = screen.idLo;
      prints[w + 2] = screen.contentHi;
      prints[w + 3] = screen.contentLo;
      sharedAt[valid] = fields.sharedAt as number;
      positions[valid] = item.position;
      if (fields.purpose !== 'DIRECT_CARE' && mayObject(fields.nhsNumber as string)) {
        keptAt.push(valid);
        kept.push(buildRecord('ndsDisseminations', fields));
      }
      valid++;
    }
    if (valid < n) {
      // Trimmed, so that what crosses to another thread is only what was filled.
      prints = prints.slice(0, valid * 4);
      sharedAt = sharedAt.slice(0, valid);
      positions = positions.slice(0, valid);
    }
    return { items: n, deadAt, prints, sharedAt, positions, dead, keptAt, kept };
  }
}

/**
 * Duplicates among the valid lines of screened batches, fed in file order: each judged against the first valid
 * line with that id, as Intake does for the other inputs. The file is by far the largest input: ids are
 * remembered as fingerprints (seen-ids.ts).
 */
export class DisseminationSequencer {
  private readonly seen = new SeenIds();

  /** A hint: about this many lines are coming (sizes the id table once). */
  expect(lines: number): void {
    this.seen.reserve(lines);
  }

  judge(batch: ScreenedDisseminations): JudgedDisseminations {
    const seen = this.seen;
    const { deadAt, prints, sharedAt, positions, keptAt } = batch;
    const dead: DeadLetter[] = [];
    const kept: NdsDissemination[] = [];
    let duplicates = 0;
    let latest = -Infinity;
    let valid = 0;
    let nextDead = 0;
    let nextKept = 0;
    let keptIndex = keptAt.length > 0 ? keptAt[0]! : -1;
    // The batch's slots are read in one go before they are sighted in file order (see prefetch).
    seen.prefetch(prints, 4);
    for (let i = 0; i < batch.items; i++) {
      if (deadAt[i] === 1) {
        dead.push(batch.dead[nextDead++]!);
        continue;
      }
      const w = valid * 4;
      const sighting = seen.sight(prints[w]!, prints[w + 1]!, prints[w + 2]!, prints[w + 3]!);
      if (sighting === 'new') {
        const time = sharedAt[valid]!;
        if (time > latest) latest = time;
        if (keptIndex === valid) kept.push(batch.kept[nextKept]!);
      } else if (sighting === 'duplicate') {
        duplicates++;
      } else {
        const conflict = conflictingDuplicate('ndsDisseminations');
        dead.push({ position: positions[valid]!, reason: conflict.reason, detail: conflict.detail });
      }
      if (keptIndex === valid) keptIndex = ++nextKept < keptAt.length ? keptAt[nextKept]! : -1;
      valid++;
    }
    return { items: batch.items, duplicates, latest, kept, dead };
  }
}

/**
 * The dissemination file's intake on one thread: validation (DisseminationScreen), then duplicates among valid
 * lines (DisseminationSequencer), batch after batch in file order. Nothing is allocated for a line that cannot
 * matter but its fingerprints.
 */
export class DisseminationJudge {
  private readonly screen: DisseminationScreen;
  private readonly sequencer = new DisseminationSequencer();

  /** `mayObject` says whether a patient has any recorded dissent: nobody else's release can breach one. */
  constructor(catalogue: CodeCatalogue, mayObject: (nhsNumber: string) => boolean) {
    this.screen = new DisseminationScreen(catalogue, mayObject);
  }

  /** A hint: about this many lines are coming (sizes the id table once). */
  expect(lines: number): void {
    this.sequencer.expect(lines);
  }

  judge(items: readonly ReadItem[]): JudgedDisseminations {
    return this.sequencer.judge(this.screen.screenBatch(items));
  }
}
