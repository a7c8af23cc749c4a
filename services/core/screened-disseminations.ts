import type { DeadLetterReason } from './dead-letter-reason.js';
import type { RecordScreen } from './record-screen.js';
import { buildRecord } from './record-validation.js';
import type { NdsDissemination } from './records.js';
import type { ReadItem } from './read-item.js';

/**
 * A batch of dissemination lines, screened (validated and fingerprinted) but not yet judged for duplicates,
 * which needs file order across batches. Plain data and typed arrays, so a batch can be screened on another
 * thread and handed over cheaply. Only lines that can matter are kept whole.
 */
export interface ScreenedDisseminations {
  readonly items: number;
  /** Valid lines, in file order. */
  readonly valid: number;
  readonly positions: Float64Array;
  /** Four words per valid line: id fingerprint (hi, lo), content fingerprint (hi, lo). */
  readonly fingerprints: Uint32Array;
  readonly sharedAt: Float64Array;
  /** Valid lines (by index among the valid ones) that may breach an objection, whole. */
  readonly keptIndex: Int32Array;
  readonly kept: readonly NdsDissemination[];
  readonly dead: readonly { readonly position: number; readonly reason: DeadLetterReason; readonly detail: string }[];
}

/** Screens a batch; `mayObject` says whether a patient has any recorded dissent (others cannot be breached). */
export function screenDisseminations(items: readonly ReadItem[], screen: RecordScreen, mayObject: (nhsNumber: string) => boolean): ScreenedDisseminations {
  const positions = new Float64Array(items.length);
  const fingerprints = new Uint32Array(items.length * 4);
  const sharedAt = new Float64Array(items.length);
  const keptIndex: number[] = [];
  const kept: NdsDissemination[] = [];
  const dead: { position: number; reason: DeadLetterReason; detail: string }[] = [];
  let valid = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if ('error' in item) {
      dead.push({ position: item.position, reason: 'UNDECODABLE', detail: item.error });
      continue;
    }
    const fields = item.fields;
    const result = screen.screen('ndsDisseminations', fields);
    if (!result.ok) {
      dead.push({ position: item.position, reason: result.reason, detail: result.detail });
      continue;
    }
    positions[valid] = item.position;
    fingerprints[valid * 4] = screen.idHi;
    fingerprints[valid * 4 + 1] = screen.idLo;
    fingerprints[valid * 4 + 2] = screen.contentHi;
    fingerprints[valid * 4 + 3] = screen.contentLo;
    sharedAt[valid] = fields.sharedAt as number;
    if (fields.purpose !== 'DIRECT_CARE' && mayObject(fields.nhsNumber as string)) {
      keptIndex.push(valid);
      kept.push(buildRecord('ndsDisseminations', fields));
    }
    valid++;
  }
  return {
    items: items.length, valid,
    positions: positions.slice(0, valid), fingerprints: fingerprints.slice(0, valid * 4), sharedAt: sharedAt.slice(0, valid),
    keptIndex: Int32Array.from(keptIndex), kept, dead,
  };
}
