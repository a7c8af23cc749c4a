// Checksums the replay's inputs on a thread of its own, while the main thread decodes them.
// Plain JavaScript, so that it runs in a worker without a TypeScript loader.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

async function digest(path, keyMaterial) {
  const sha256 = createHash('sha256');
  const sha512 = keyMaterial ? createHash('sha512') : null;
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    sha256.update(chunk);
    sha512?.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: sha256.digest('hex'), sha512: sha512 ? sha512.digest() : null, bytes };
}

try {
  const results = [];
  for (const { path, keyMaterial } of workerData.inputs) results.push(await digest(path, keyMaterial));
  parentPort.postMessage({ ok: true, results });
} catch (error) {
  parentPort.postMessage({ ok: false, path: error.path ?? null, code: error.code ?? null, message: String(error.message) });
}
