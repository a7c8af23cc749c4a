import type { Identity } from '../core/reconciler.js';
import { keyedIdentity } from './keyed-identity.js';

/**
 * Names for outputs when the records already carry the keyed pseudonym where the contract has the NHS number, as
 * the live service stores them: the engine needs only patient equality, so the stored reference is the alert's
 * patientRef unchanged. Alert ids do not depend on the key, so they are the keyed identity's.
 */
export function storedPseudonymIdentity(): Identity {
  const { alertIdFor } = keyedIdentity(Buffer.alloc(16));
  return { alertIdFor, patientRefFor: (patientRef) => patientRef };
}
