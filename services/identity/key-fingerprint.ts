import { createHmac } from 'node:crypto';

const FINGERPRINT_LABEL = 'optout-verifier pseudonym key fingerprint v1';

/**
 * A fingerprint that names a pseudonym key without revealing it: HMAC-SHA256 of a fixed label under the key.
 * Two runs with the same fingerprint used the same key; the fingerprint gives no way back to the key or to any
 * patient reference. Replay reports record it, and `pseudonym` prints it, so a key holder can check that they
 * hold the key a report was made with.
 */
export function keyFingerprint(key: Buffer): string {
  return createHmac('sha256', key).update(FINGERPRINT_LABEL, 'utf8').digest('hex');
}
