import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StreamName } from '../../core/records.js';

// A hand-written scenario small enough to reason about, as NDJSON. Patient A (test range) objects to Type 2
// sharing at VISION practice K23983, the objection arrives, then they withdraw with `withdrawalCode`, which
// never arrives: WITHDRAWAL_NOT_PROPAGATED. Patient B objects at TPP practice Y61166 and the objection never
// arrives: OBJECTION_OVERDUE, then a release for research: SHARED_DESPITE_OBJECTION.

export const PATIENT_A = '9990000018';
export const PATIENT_B = '9990000026';
const DAY = 86_400_000;
const T0 = Date.parse('2017-03-01T09:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const lines = (records: readonly object[]) => `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;

export async function writeSmallScenario(dir: string, withdrawalCode = '881581000000109'): Promise<{ [S in StreamName]: string }> {
  const files = { gpEvents: join(dir, 'gp-events.ndjson'), ndsReceived: join(dir, 'nds-received.ndjson'), ndsManifests: join(dir, 'nds-manifests.ndjson'), ndsDisseminations: join(dir, 'nds-disseminations.ndjson') };
  await writeFile(files.gpEvents, lines([
    { eventId: 'gp-1', nhsNumber: PATIENT_A, practiceOds: 'K23983', supplier: 'VISION', code: '9Nu4', recordedAt: iso(T0) },
    { eventId: 'gp-2', nhsNumber: PATIENT_A, practiceOds: 'K23983', supplier: 'VISION', code: withdrawalCode, recordedAt: iso(T0 + 10 * DAY) },
    { eventId: 'gp-3', nhsNumber: PATIENT_B, practiceOds: 'Y61166', supplier: 'TPP', code: '881561000000100', recordedAt: iso(T0 + DAY) },
  ]));
  await writeFile(files.ndsReceived, lines([
    { receiptId: 'rc-1', nhsNumber: PATIENT_A, practiceOds: 'K23983', supplier: 'VISION', code: '9Nu4', sourceEventId: 'gp-1', extractId: 'ex-1', receivedAt: iso(T0 + DAY / 2) },
  ]));
  await writeFile(files.ndsManifests, lines([
    { extractId: 'ex-1', supplier: 'VISION', practiceOds: 'K23983', coversUpTo: iso(T0 + DAY / 4), receivedAt: iso(T0 + DAY / 2), recordCount: 1 },
  ]));
  await writeFile(files.ndsDisseminations, lines([
    { disseminationId: 'ds-1', nhsNumber: PATIENT_B, recipient: 'University of Somewhere', purpose: 'RESEARCH', sharedAt: iso(T0 + 20 * DAY) },
    { disseminationId: 'ds-2', nhsNumber: PATIENT_A, recipient: 'Local Trust', purpose: 'DIRECT_CARE', sharedAt: iso(T0 + 21 * DAY) },
  ]));
  return files;
}
