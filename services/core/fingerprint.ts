// A 64-bit non-cryptographic fingerprint (two independent 32-bit multiplicative hashes over UTF-16 code
// units), used to remember which ids and contents were seen without keeping the strings. Two different
// strings share a fingerprint with probability about 2^-64 per pair: for ten million ids, about 3 in a million
// runs would see one false match. The replay documents this; the live service compares exact ids in PostgreSQL.

export interface Fingerprint {
  readonly hi: number;
  readonly lo: number;
}

export function fingerprintOf(text: string): Fingerprint {
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x2545f491 | 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 ^= text.length;
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
  h1 = Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0x7feb352d);
  h2 = Math.imul(h2 ^ (h2 >>> 15), 0x846ca68b);
  h2 ^= h2 >>> 16;
  return { hi: h1 >>> 0, lo: h2 >>> 0 };
}
