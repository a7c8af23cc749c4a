import { createHash, createHmac } from 'node:crypto';
import type { DigestWorkerData, DigestWorkerMessage } from './digest-worker.js';
import { moduleWorker } from '../module-worker.js';

export interface InputDigest {
  /** SHA-256 of the file's bytes, hex: never published as such (see keyedInputDigest). */
  readonly sha256: string;
  /** SHA-512 of the file's bytes, for inputs asked for as key material: never published. */
  readonly sha512: Buffer | null;
  readonly bytes: number;
}

/** Checksums the files on a worker thread, so that it overlaps with decoding them on the main thread. */
export function digestInputs(inputs: readonly { readonly path: string; readonly keyMaterial: boolean }[]): Promise<InputDigest[]> {
  return new Promise((resolve, reject) => {
    const worker = moduleWorker('replay/digest-worker', { inputs } satisfies DigestWorkerData);
    worker.once('message', (message: DigestWorkerMessage) => {
      if (message.ok) resolve(message.results.map((r) => ({ ...r, sha512: r.sha512 === null ? null : Buffer.from(r.sha512) })));
      else reject(new Error(`cannot read input file ${message.path ?? ''}: ${message.code ?? message.message}`));
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/**
 * A pseudonym key for a replay run without one: derived from unpublished SHA-512 digests of the objection-side
 * inputs (GP events, receipts, manifests: they hold every objector's NHS number), so the same inputs give the
 * same patient references (byte-identical reports), and only someone holding those files, who holds the NHS
 * numbers anyway, can recompute it. The release file, by far the largest, is not needed for that. References
 * are not comparable across different input sets; supply --pseudonym-key-file for that.
 */
export function derivedPseudonymKey(digests: readonly InputDigest[]): Buffer {
  const h = createHash('sha256').update('optout-verifier replay pseudonym key v1\0');
  for (const d of digests) if (d.sha512 !== null) h.update(d.sha512);
  return h.digest();
}

/**
 * The digest of an input that the report publishes: HMAC-SHA256, under the run's pseudonym key, of a label and
 * the file's SHA-256. A plain SHA-256 of a small input (one GP event, say) would let anyone test guesses of its
 * lines, NHS number included, against the report; under the key only the key's holder can, and whoever holds
 * the key and the file can still check that the report was made from that file.
 */
export function keyedInputDigest(key: Buffer, digest: InputDigest): string {
  return createHmac('sha256', key).update('optout-verifier input digest v1\0').update(Buffer.from(digest.sha256, 'hex')).digest('hex');
}
