import type { ReadLimits } from '../codec/read-limits.js';
import type { ObjectionStream } from '../core/admitted-records.js';
import type { ObjectionSideItem } from './replay-run.js';
import type { UnverifiedSightings } from './unverified-codes.js';
import type { ObjectionWorkerData, ObjectionWorkerMessage } from './objection-worker.js';
import { moduleWorker } from '../module-worker.js';
import { workerMessages } from './worker-messages.js';

/**
 * The objection-side inputs read on a worker thread (objection-worker.ts), as admitted batches in file order, one
 * input after another. What the thread noted of unverified codes goes to `noted` once every input is read.
 */
export function objectionSideFiles(
  inputs: readonly { readonly stream: ObjectionStream; readonly path: string; readonly expected: number }[],
  catalogue: unknown, limits: ReadLimits, noted: (sightings: UnverifiedSightings) => void,
): AsyncIterable<ObjectionSideItem> {
  // Started now, not on the first read.
  const messages = workerMessages<ObjectionWorkerMessage>(moduleWorker('replay/objection-worker', { inputs, catalogue, limits } satisfies ObjectionWorkerData));
  return (async function* () {
    for await (const message of messages) {
      if (message.type === 'sightings') noted(message.sightings);
      else yield message;
    }
  })();
}
