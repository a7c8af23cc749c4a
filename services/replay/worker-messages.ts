import type { Worker } from 'node:worker_threads';

/** What a replay worker ends with: every message before 'done' is the caller's; 'failed' is an error. */
export type WorkerEnd = { readonly type: 'done' } | { readonly type: 'failed'; readonly message: string };

/**
 * A worker's messages, in the order sent, as an async iterable that ends at 'done', throws at 'failed' or if the
 * thread crashes, and terminates the thread when the reading stops. Messages arriving before they are read wait.
 * `helpers` are threads working for this one: a crash of one is the worker's, and they end with it.
 */
export function workerMessages<M extends { readonly type: string }>(worker: Worker, helpers: readonly Worker[] = []): AsyncIterable<M> {
  const queue: (M | WorkerEnd)[] = [];
  let wake: (() => void) | null = null;
  let crashed: Error | null = null;
  worker.on('message', (m: M | WorkerEnd) => {
    queue.push(m);
    wake?.();
  });
  for (const thread of [worker, ...helpers]) {
    thread.on('error', (e) => {
      crashed = e;
      wake?.();
    });
  }
  return {
    async *[Symbol.asyncIterator]() {
      try {
        let head = 0;
        for (;;) {
          if (head === queue.length) {
            if (crashed) throw crashed;
            queue.length = 0;
            head = 0;
            await new Promise<void>((resolve) => (wake = resolve));
            wake = null;
            continue;
          }
          const message = queue[head]!;
          queue[head++] = undefined as unknown as M;
          if (message.type === 'done') return;
          if (message.type === 'failed') throw new Error((message as { message: string }).message);
          yield message as M;
        }
      } finally {
        await Promise.all([worker, ...helpers].map((thread) => thread.terminate()));
      }
    },
  };
}
