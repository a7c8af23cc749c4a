import { Worker, type Transferable } from 'node:worker_threads';
import { codeModule, COMPILED, packageFile } from './package-root.js';

/**
 * A worker thread running one of the package's modules ('replay/digest-worker'). Compiled, the thread loads the
 * JavaScript directly; under a TypeScript loader (tests, development) a thread does not inherit the loader, so
 * worker-boot.mjs registers it there first and then loads the module named in workerData.entry.
 */
export function moduleWorker(path: string, workerData: object, transferList: Transferable[] = []): Worker {
  const entry = codeModule(path);
  if (COMPILED) return new Worker(entry, { workerData, transferList });
  return new Worker(packageFile('services', 'worker-boot.mjs'), { workerData: { ...workerData, entry: entry.href }, transferList });
}
