// Decodes, validates and fingerprints the dissemination file on a thread of its own, handing the main thread
// screened batches in file order (see core/screened-disseminations.ts). Duplicates are judged on the main
// thread, which alone knows the order across batches.
import { parentPort, workerData } from 'node:worker_threads';
import { openInputBatches } from '../codec/input-file.js';
import type { ReadLimits } from '../codec/read-limits.js';
import { parseCodeCatalogue } from '../core/code-catalogue.js';
import type { ReadItem } from '../core/read-item.js';
import { ObjectorFilter } from '../core/objector-filter.js';
import { RecordScreen } from '../core/record-screen.js';
import { screenDisseminations, type ScreenedDisseminations } from '../core/screened-disseminations.js';

export interface DisseminationWorkerData {
  readonly path: string;
  readonly catalogue: unknown;
  readonly objectors: readonly string[];
  readonly limits: ReadLimits;
}

export type DisseminationWorkerMessage =
  | { readonly type: 'batch'; readonly batch: ScreenedDisseminations }
  | { readonly type: 'done' }
  | { readonly type: 'failed'; readonly message: string };

const data = workerData as DisseminationWorkerData;
const port = parentPort!;
const post = (message: DisseminationWorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

try {
  const screen = new RecordScreen(parseCodeCatalogue(data.catalogue));
  const objectors = new ObjectorFilter(data.objectors);
  const mayObject = (nhs: string) => objectors.has(nhs);
  // Blocks are gathered into batches of some tens of thousands of lines: each message has a fixed cost.
  let pending: ReadItem[] = [];
  const flush = () => {
    const batch = screenDisseminations(pending, screen, mayObject);
    pending = [];
    post({ type: 'batch', batch }, [batch.positions.buffer, batch.fingerprints.buffer, batch.sharedAt.buffer, batch.keptIndex.buffer] as ArrayBuffer[]);
  };
  for await (const items of await openInputBatches(data.path, 'ndsDisseminations', data.limits)) {
    for (let i = 0; i < items.length; i++) pending.push(items[i]!);
    if (pending.length >= 32_768) flush();
  }
  if (pending.length > 0) flush();
  post({ type: 'done' });
} catch (error) {
  post({ type: 'failed', message: (error as Error).message });
}
