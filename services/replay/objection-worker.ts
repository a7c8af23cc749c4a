// Reads the objection-side inputs (GP events, receipts, manifests, in that order) on a thread of its own: decoding,
// validation and duplicate detection (see core/admitted-records.ts), handing the main thread the accepted records
// in file order while it runs the engine. Records carrying a catalogue code marked unverified are noted here too.
import { parentPort, workerData } from 'node:worker_threads';
import { openInputBatches } from '../codec/input-file.js';
import type { ReadLimits } from '../codec/read-limits.js';
import { admitRecords, transferables, type AdmittedRecords, type ObjectionStream } from '../core/admitted-records.js';
import { parseCodeCatalogue } from '../core/code-catalogue.js';
import { Intake } from '../core/intake.js';
import { UnverifiedCodeWatch, unverifiedCatalogue, type UnverifiedSightings } from './unverified-codes.js';
import type { WorkerEnd } from './worker-messages.js';

export interface ObjectionWorkerData {
  readonly inputs: readonly { readonly stream: ObjectionStream; readonly path: string; readonly expected: number }[];
  readonly catalogue: unknown;
  readonly limits: ReadLimits;
}

export type ObjectionWorkerMessage =
  | { readonly type: 'admitted'; readonly batch: AdmittedRecords }
  /** Every record of the stream has been sent. */
  | { readonly type: 'end'; readonly stream: ObjectionStream }
  /** Last, once every input is read. */
  | { readonly type: 'sightings'; readonly sightings: UnverifiedSightings };

const data = workerData as ObjectionWorkerData;
const port = parentPort!;
const post = (message: ObjectionWorkerMessage | WorkerEnd) => port.postMessage(message);

try {
  const intake = new Intake(parseCodeCatalogue(data.catalogue));
  const watch = new UnverifiedCodeWatch(unverifiedCatalogue(data.catalogue));
  for (const { stream, path, expected } of data.inputs) {
    intake.expect(stream, expected);
    for await (const batch of watch.watch(stream, await openInputBatches(path, stream, data.limits))) {
      const admitted = admitRecords(intake, stream, batch);
      port.postMessage({ type: 'admitted', batch: admitted } satisfies ObjectionWorkerMessage, transferables(admitted));
    }
    post({ type: 'end', stream });
  }
  post({ type: 'sightings', sightings: watch.sightings() });
  post({ type: 'done' });
} catch (error) {
  post({ type: 'failed', message: (error as Error).message });
}
