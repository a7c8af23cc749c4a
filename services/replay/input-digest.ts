import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export interface InputDigest {
  /** SHA-256 of the file's bytes, hex: published in the report. */
  readonly sha256: string;
  /** SHA-512 of the file's bytes: never published; key material when no pseudonym key is supplied. */
  readonly sha512: Buffer;
  readonly bytes: number;
}

export async function digestInput(path: string, onBytes?: (n: number) => void): Promise<InputDigest> {
  const sha256 = createHash('sha256');
  const sha512 = createHash('sha512');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    sha256.update(buf);
    sha512.update(buf);
    bytes += buf.length;
    onBytes?.(buf.length);
  }
  return { sha256: sha256.digest('hex'), sha512: sha512.digest(), bytes };
}

/**
 * A pseudonym key for a replay run without one: derived from the inputs' unpublished SHA-512 digests, so the
 * same inputs give the same patient references (byte-identical reports), and only someone holding the input
 * files, who holds the NHS numbers anyway, can recompute it. References are then not comparable across
 * different input sets; supply --pseudonym-key-file for that.
 */
export function derivedPseudonymKey(digests: readonly InputDigest[]): Buffer {
  const h = createHash('sha256').update('optout-verifier replay pseudonym key v1\0');
  for (const d of digests) h.update(d.sha512);
  return h.digest();
}
