import type { ReadLimits } from '../codec/read-limits.js';
import type { ScreenedDisseminations } from '../core/screened-disseminations.js';
import type { DisseminationWorkerData, DisseminationWorkerMessage } from './dissemination-worker.js';
import { moduleWorker } from './module-worker.js';

/**
 * The dissemination file, screened on a worker thread, as batches in file order. Decoding is the larger half
 * of the work on tens of millions of lines; on a second core it overlaps with the main thread's.
 */
export function screenedDisseminationFile(path: string, catalogue: unknown, objectors: readonly string[], limits: ReadLimits): AsyncIterable<ScreenedDisseminations> {
  // Started now, not on the first read: it works while the caller reads its other inputs.
  const worker = moduleWorker('replay/dissemination-worker', { path, catalogue, objectors, limits } satisfies DisseminationWorkerData);
  const queue: DisseminationWorkerMessage[] = [];
  let wake: (() => void) | null = null;
  let crashed: Error | null = null;
  worker.on('message', (m: DisseminationWorkerMessage) => {
    queue.push(m);
    wake?.();
  });
  worker.on('error', (e) => {
    crashed = e;
    wake?.();
  });
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          if (queue.length === 0) {
            if (crashed) throw crashed;
            await new Promise<void>((resolve) => (wake = resolve));
            wake = null;
            continue;
          }
          const message = queue.shift()!;
          if (message.type === 'done') return;
          if (message.type === 'failed') throw new Error(message.message);
          yield message.batch;
        }
      } finally {
        await worker.terminate();
      }
    },
  };
}
