import type { ReadLimits } from '../codec/read-limits.js';
import type { JudgedDisseminations } from '../core/dissemination-judge.js';
import type { DisseminationWorkerData, DisseminationWorkerMessage } from './dissemination-worker.js';
import { moduleWorker } from './module-worker.js';
import { workerMessages } from './worker-messages.js';

/**
 * The dissemination file, judged on a worker thread, as batches in file order. Decoding, validation and duplicate
 * detection of tens of millions of lines run beside the main thread's work.
 */
export function judgedDisseminationFile(path: string, catalogue: unknown, objectors: readonly string[], expected: number, limits: ReadLimits): AsyncIterable<JudgedDisseminations> {
  // Started now, not on the first read: it works while the caller reads its other inputs.
  const messages = workerMessages<DisseminationWorkerMessage>(moduleWorker('replay/dissemination-worker', { path, catalogue, objectors, expected, limits } satisfies DisseminationWorkerData));
  return (async function* () {
    for await (const message of messages) yield message.batch;
  })();
}
