import { MessageChannel } from 'node:worker_threads';
import { inputFormatOf } from '../codec/input-file.js';
import type { ReadLimits } from '../codec/read-limits.js';
import type { JudgedDisseminations } from '../core/dissemination-judge.js';
import type { DisseminationHelperData } from './dissemination-helper.js';
import { SegmentClaims } from './dissemination-segments.js';
import type { DisseminationWorkerData, DisseminationWorkerMessage } from './dissemination-worker.js';
import { moduleWorker } from '../module-worker.js';
import { workerMessages } from './worker-messages.js';

/** When the file is shared between two threads, and in segments of what size. */
export interface SplitPolicy {
  readonly fromLines: number;
  readonly segmentBytes: number;
}

export const DEFAULT_SPLIT: SplitPolicy = {
  // Below this many lines a second thread costs more than it saves (its start, its own compiled decoder, and a
  // core taken from the main thread, which is where the time goes when the file is small).
  fromLines: 2_000_000,
  // Segments of a few megabytes: enough of them that the two threads finish together, few enough that what each
  // costs (a message, a file open) is nothing.
  segmentBytes: 4 << 20,
};

/**
 * The dissemination file, judged on a worker thread, as batches in file order. Decoding, validation and duplicate
 * detection of tens of millions of lines run beside the main thread's work. A large Avro file is shared with a
 * second thread (see dissemination-worker.ts); NDJSON, whose lines are only numbered by reading every line before
 * them, and small files are judged by one.
 */
export function judgedDisseminationFile(path: string, catalogue: unknown, objectors: readonly string[], expected: number, limits: ReadLimits, split: SplitPolicy = DEFAULT_SPLIT): AsyncIterable<JudgedDisseminations> {
  // Started now, not on the first read: it works while the caller reads its other inputs.
  const data: DisseminationWorkerData = { path, catalogue, objectors, expected, limits };
  const messages = expected >= split.fromLines && inputFormatOf(path) === 'avro'
    ? shared(data, split.segmentBytes)
    : workerMessages<DisseminationWorkerMessage>(moduleWorker('replay/dissemination-worker', data));
  return (async function* () {
    for await (const message of messages) yield message.batch;
  })();
}

function shared(data: DisseminationWorkerData, segmentBytes: number): AsyncIterable<DisseminationWorkerMessage> {
  const { port1, port2 } = new MessageChannel();
  const claims = SegmentClaims.buffer();
  const lead = moduleWorker('replay/dissemination-worker', { ...data, split: { port: port1, claims, segmentBytes } } satisfies DisseminationWorkerData, [port1]);
  const helper = moduleWorker('replay/dissemination-helper', { path: data.path, catalogue: data.catalogue, objectors: data.objectors, limits: data.limits, port: port2, claims } satisfies DisseminationHelperData, [port2]);
  return workerMessages<DisseminationWorkerMessage>(lead, [helper]);
}
