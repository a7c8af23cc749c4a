// Checksums the replay's inputs on a thread of its own, while the main thread decodes them (see input-digest.ts).
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

export interface DigestWorkerData {
  readonly inputs: readonly { readonly path: string; readonly keyMaterial: boolean }[];
}

export type DigestWorkerMessage =
  | { readonly ok: true; readonly results: { sha256: string; sha512: Buffer | null; bytes: number }[] }
  | { readonly ok: false; readonly path: string | null; readonly code: string | null; readonly message: string };

const chunk = Buffer.allocUnsafe(1 << 20);

// Read on this thread, into one buffer for every file: a stream's new buffer per chunk cost a page fault per 4 KiB
// read, hundreds of thousands on a large input.
function digest(path: string, keyMaterial: boolean): { sha256: string; sha512: Buffer | null; bytes: number } {
  const sha256 = createHash('sha256');
  const sha512 = keyMaterial ? createHash('sha512') : null;
  let bytes = 0;
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, chunk, 0, chunk.length, null); n > 0; n = readSync(fd, chunk, 0, chunk.length, null)) {
      const read = chunk.subarray(0, n);
      sha256.update(read);
      sha512?.update(read);
      bytes += n;
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: sha256.digest('hex'), sha512: sha512 ? sha512.digest() : null, bytes };
}

const port = parentPort!;
try {
  const results = [];
  for (const { path, keyMaterial } of (workerData as DigestWorkerData).inputs) results.push(digest(path, keyMaterial));
  port.postMessage({ ok: true, results } satisfies DigestWorkerMessage);
} catch (error) {
  const e = error as NodeJS.ErrnoException;
  port.postMessage({ ok: false, path: e.path ?? null, code: e.code ?? null, message: String(e.message) } satisfies DigestWorkerMessage);
}
