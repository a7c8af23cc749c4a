// Small builders for core tests: synthetic 999-range patients, the shipped catalogue, readable identities.
import { CodeCatalogue, type CatalogueEntry } from '../code-catalogue.js';
import type { Identity } from '../reconciler.js';
import type { GpOptOutEvent, Millis, NdsDissemination, NdsExtractManifest, NdsReceivedObjection, Purpose } from '../records.js';

export const PATIENT_A = '9990000018';
export const PATIENT_B = '9990000026';
export const PATIENT_C = '9990000034';

export const HOUR = 3_600_000;
export const T0 = Date.UTC(2016, 0, 4, 9, 0, 0);

export const CATALOGUE_ENTRIES: CatalogueEntry[] = [
  { code: '9Nu0', system: 'READ_V2', type: 'TYPE_1', action: 'DISSENT' },
  { code: '9Nu1', system: 'READ_V2', type: 'TYPE_1', action: 'WITHDRAWN' },
  { code: '9Nu4', system: 'READ_V2', type: 'TYPE_2', action: 'DISSENT' },
  { code: '9Nu5', system: 'READ_V2', type: 'TYPE_2', action: 'WITHDRAWN' },
  { code: 'XaZ89', system: 'CTV3', type: 'TYPE_1', action: 'DISSENT' },
  { code: 'XaaVL', system: 'CTV3', type: 'TYPE_2', action: 'DISSENT' },
  { code: '827241000000103', system: 'SNOMED_CT', type: 'TYPE_1', action: 'DISSENT' },
];
export const catalogue = new CodeCatalogue(CATALOGUE_ENTRIES);

export const CODES = { t1Dissent: '9Nu0', t1Withdrawn: '9Nu1', t2Dissent: '9Nu4', t2Withdrawn: '9Nu5' } as const;

/** Alert ids are the seeds themselves and patient refs a tag, so test failures read plainly. */
export const readableIdentity: Identity = {
  alertIdFor: (seed) => seed,
  patientRefFor: (nhs) => `patient-${nhs.slice(-4)}`,
};

export function gp(eventId: string, at: Millis, code: string, nhsNumber = PATIENT_A, practiceOds = 'A81001', supplier = 'TPP'): GpOptOutEvent {
  return { eventId, nhsNumber, practiceOds, supplier, code, recordedAt: at };
}

export function receipt(receiptId: string, at: Millis, code: string, nhsNumber = PATIENT_A, practiceOds = 'A81001', supplier = 'TPP'): NdsReceivedObjection {
  return { receiptId, nhsNumber, practiceOds, supplier, code, sourceEventId: null, extractId: `x-${receiptId}`, receivedAt: at };
}

export function manifest(extractId: string, coversUpTo: Millis, receivedAt: Millis, practiceOds = 'A81001', supplier = 'TPP'): NdsExtractManifest {
  return { extractId, supplier, practiceOds, coversUpTo, receivedAt, recordCount: 0 };
}

export function share(disseminationId: string, at: Millis, purpose: Purpose = 'RESEARCH', nhsNumber = PATIENT_A): NdsDissemination {
  return { disseminationId, nhsNumber, recipient: 'Example Research Unit', purpose, sharedAt: at };
}
