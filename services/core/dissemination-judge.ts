import type { AsciiDissemination } from './ascii-dissemination.js';
import { asciiString } from './ascii-text.js';
import type { CodeCatalogue } from './code-catalogue.js';
import type { DeadLetterReason } from './dead-letter-reason.js';
import { conflictingDuplicate } from './duplicates.js';
import { RecordScreen } from './record-screen.js';
import { NO_MAP, ObjectorQueue, type ObjectorMap } from './objector-queue.js';
import { buildRecord } from './record-validation.js';
import type { NdsDissemination } from './records.js';
import type { ReadItem } from './read-item.js';
import { ScreenedBatch, type ScreenedDeadLetter, type ScreenedDisseminations } from './screened-disseminations.js';
import { SeenIds } from './seen-ids.js';

export type { ScreenedDisseminations } from './screened-disseminations.js';

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

/** Validation and fingerprints of dissemination lines: everything of the intake but the id table. */
export class DisseminationScreen {
  private readonly screen: RecordScreen;
  private readonly queue = new ObjectorQueue();

  /**
   * `mayObject` says whether a patient has any recorded dissent: nobody else's release can breach one. `map` is
   * a first look for lines screened from bytes (ObjectorFilter's map), which may say maybe of anyone but never
   * no of a patient with a dissent; mayObject settles the maybes.
   */
  constructor(catalogue: CodeCatalogue, private readonly mayObject: (nhsNumber: string) => boolean, private readonly map: ObjectorMap = NO_MAP) {
    this.screen = new RecordScreen(catalogue);
  }

  screenBatch(items: readonly ReadItem[]): ScreenedDisseminations {
    const batch = new ScreenedBatch(items.length);
    for (let i = 0; i < items.length; i++) this.screenItem(items[i]!, batch);
    return batch.finish();
  }

  /** Screens one item into `batch`. */
  screenItem(item: ReadItem, batch: ScreenedBatch): void {
    if ('error' in item) {
      batch.addDead(item.position, 'UNDECODABLE', item.error);
      return;
    }
    const fields = item.fields;
    const screen = this.screen;
    const result = screen.screen('ndsDisseminations', fields);
    if (!result.ok) {
      batch.addDead(item.position, result.reason, result.detail);
      return;
    }
    const keep = fields.purpose !== 'DIRECT_CARE' && this.mayObject(fields.nhsNumber as string);
    batch.addValid(screen.idHi, screen.idLo, screen.contentHi, screen.contentLo, fields.sharedAt as number, item.position, keep ? buildRecord('ndsDisseminations', fields) : null);
  }

  /**
   * Screens into `batch` item `position`, a line read from its bytes at `place`, as screenItem would the line
   * decoded, but for whether it is kept: settleAscii tells that, for the lines screened so since it was last
   * called. False, with nothing screened, when a text in the line is not ASCII or it is not the common case: it
   * is then to be decoded and given to screenItem, which gives the reason.
   */
  screenAscii(line: AsciiDissemination, position: number, place: number, batch: ScreenedBatch): boolean {
    const screen = this.screen;
    const result = screen.screenAsciiDissemination(line);
    if (result === null) return false;
    if (!result.ok) {
      batch.addDead(position, result.reason, result.detail);
      return true;
    }
    const valid = batch.addValid(screen.idHi, screen.idLo, screen.contentHi, screen.contentLo, line.sharedAt, position, null);
    if (line.purpose !== 'DIRECT_CARE') this.queue.add(valid, this.map.slotOfAscii(line.bytes, line.nhsStart, line.nhsEnd), place);
    return true;
  }

  /**
   * Keeps in `batch` the lines screened by screenAscii since the last call whose patient has a dissent; `reread`
   * reads the line at a place again (only the few that the map says maybe of are read again).
   */
  settleAscii(batch: ScreenedBatch, reread: (place: number) => AsciiDissemination): void {
    this.queue.drain(this.map, (valid, place) => {
      const line = reread(place);
      if (this.mayObject(asciiString(line.bytes, line.nhsStart, line.nhsEnd))) batch.keep(valid, recordOf(line));
    });
  }
}

function recordOf(line: AsciiDissemination): NdsDissemination {
  const { bytes } = line;
  return buildRecord('ndsDisseminations', {
    disseminationId: asciiString(bytes, line.idStart, line.idEnd),
    nhsNumber: asciiString(bytes, line.nhsStart, line.nhsEnd),
    recipient: asciiString(bytes, line.recipientStart, line.recipientEnd),
    purpose: line.purpose,
    sharedAt: line.sharedAt,
  });
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
    const dead: ScreenedDeadLetter[] = [];
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
