import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyedIdentity } from './keyed-identity.js';

const KEY = Buffer.from('0f1e2d3c4b5a69788796a5b4c3d2e1f00123456789abcdef', 'hex');

describe('keyed identity', () => {
  it('names an alert by the first 16 bytes of the SHA-256 of its seed in UTF-8, as hex', () => {
    const identity = keyedIdentity(KEY);
    for (const seed of ['episode|gp|gp-0000000001', 'share|ds-42', '', 'episode|nds|r\u00e9\u00e7u-\u{1F4C4}']) {
      expect(identity.alertIdFor(seed)).toBe(createHash('sha256').update(seed, 'utf8').digest('hex').slice(0, 32));
    }
    expect(identity.alertIdFor('share|ds-42')).toBe('1395cfb9d97243c8f0362034482db676');
  });

  it('refers to a patient by the HMAC-SHA256 of the NHS number under the key, as hex', () => {
    expect(keyedIdentity(KEY).patientRefFor('9990000018')).toBe(createHmac('sha256', KEY).update('9990000018', 'utf8').digest('hex'));
  });
});
