import { createHmac, hash } from 'node:crypto';
import type { Identity } from '../core/reconciler.js';

/**
 * Names for outputs. Patient references are HMAC-SHA256 of the NHS number under the deployment's key, so
 * that whoever holds the key can re-identify and nobody else can (reconciliation-rules.md, "Identifiers in
 * outputs"). Alert ids hash the causing record's id, so the same input gives the same id, live or replayed.
 */
export function keyedIdentity(key: Buffer): Identity {
  if (key.length < 16) throw new Error('pseudonym key is too short: give at least 16 bytes (32 random bytes recommended)');
  return {
    // The first 16 bytes, written as hex. crypto.hash, one call with no Hash object, is several times faster on
    // inputs this short: a replay names an alert for each of hundreds of thousands of episodes and releases.
    alertIdFor: (seed) => hash('sha256', seed, 'hex').slice(0, 32),
    patientRefFor: (nhsNumber) => createHmac('sha256', key).update(nhsNumber, 'utf8').digest('hex'),
  };
}
