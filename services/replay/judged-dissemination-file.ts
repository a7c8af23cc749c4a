import type { ReadLimits } from '../codec/read-limits.js';
import type { JudgedDisseminations } from '../core/dissemination-judge.js';
import type { DisseminationWorkerData, DisseminationWorkerMessage } from './dissemination-worker.js';
import { moduleWorker } from './module-worker.js';

/**
 * The dissemination file, judged on a worker thread, as batches in file order. Decoding, validation and duplicate
 * detection of tens of millions of lines run on a second core, beside the main thread's work.
 */
export function judgedDisseminationFile(path: string, catalogue: unknown, objectors: readonly string[], expected: number, limits: ReadLimits): AsyncIterable<JudgedDisseminations> {
  // Started now, not on the first read: it works while the caller reads its other inputs.
  const worker = moduleWorker('replay/dissemination-worker', { path, catalogue, objectors, expected, limits } satisfies DisseminationWorkerData);
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
