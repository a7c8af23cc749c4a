// One line a supplier's daily extract will carry to the national data service: normally a GP entry made the day
// before, but also whatever a fault adds (a late entry, a flood of withheld ones, an objection with no GP entry).
import type { OptOutAction, OptOutType } from '../core/records.js';
import type { GpEntry } from './gp-opt-out-activity.js';
import type { FaultProfile } from './scenario-params.js';

export interface EntryCause {
  readonly profile: FaultProfile;
  readonly what: string;
}

export interface ExtractEntry {
  readonly patient: number;
  readonly nhsNumber: string;
  readonly code: string;
  /** The meaning of the code; undefined for a code the catalogue does not hold (a bad record). */
  readonly type: OptOutType | undefined;
  readonly action: OptOutAction | undefined;
  readonly sourceEventId: string | null;
  /** When the GP entry was made; undefined for lines no GP entry stands behind. */
  readonly recordedAt: number | undefined;
  /** The fault that put this line here, if any, and what to count it as. */
  readonly cause?: EntryCause;
  /** A deliberately invalid line that takes the id the following line will also get. */
  readonly lendsItsId?: true;
}

// The pipeline carries the GP event id through most of the time, not always (data-contract.md: a union with null).
const SOURCE_ID_CARRIED = 0.97;

/** `carryId` is a uniform draw in [0, 1) deciding whether the pipeline carried the GP event id through. */
export function entryFromGp(gp: GpEntry, carryId: number, cause?: EntryCause): ExtractEntry {
  return {
    patient: gp.patient,
    nhsNumber: gp.event.nhsNumber,
    code: gp.event.code,
    type: gp.type,
    action: gp.action,
    sourceEventId: carryId < SOURCE_ID_CARRIED ? gp.event.eventId : null,
    recordedAt: gp.event.recordedAt,
    ...(cause ? { cause } : {}),
  };
}
