import type { Identity } from '../core/reconciler.js';

/**
 * The identity with each patient's reference computed once: a replay names a patient in many alerts, pending
 * episodes and unverified-code decisions, and each reference is an HMAC. The replay ends, so the cache may hold
 * every patient named; the live service, which runs for years, does not use this.
 */
export function oncePerPatient(identity: Identity): Identity {
  const refs = new Map<string, string>();
  return {
    alertIdFor: (seed) => identity.alertIdFor(seed),
    patientRefFor: (nhsNumber) => {
      let ref = refs.get(nhsNumber);
      if (ref === undefined) refs.set(nhsNumber, (ref = identity.patientRefFor(nhsNumber)));
      return ref;
    },
  };
}
