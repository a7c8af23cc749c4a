// Checksums the replay's inputs on a thread of its own, while the main thread decodes them (see input-digest.ts).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

export interface DigestWorkerData {
  readonly inputs: readonly { readonly path: string; readonly keyMaterial: boolean }[];
}

export type DigestWorkerMessage =
  | { readonly ok: true; readonly results: { sha256: string; sha512: Buffer | null; bytes: number }[] }
  | { readonly ok: false; readonly path: string | null; readonly code: string | null; readonly message: string };

async function digest(path: string, keyMaterial: boolean): Promise<{ sha256: string; sha512: Buffer | null; bytes: number }> {
  const sha256 = createHash('sha256');
  const sha512 = keyMaterial ? createHash('sha512') : null;
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    sha256.update(chunk);
    sha512?.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: sha256.digest('hex'), sha512: sha512 ? sha512.digest() : null, bytes };
}

const port = parentPort!;
try {
  const results = [];
  for (const { path, keyMaterial } of (workerData as DigestWorkerData).inputs) results.push(await digest(path, keyMaterial));
  port.postMessage({ ok: true, results } satisfies DigestWorkerMessage);
} catch (error) {
  const e = error as NodeJS.ErrnoException;
  port.postMessage({ ok: false, path: e.path ?? null, code: e.code ?? null, message: String(e.message) } satisfies DigestWorkerMessage);
}
