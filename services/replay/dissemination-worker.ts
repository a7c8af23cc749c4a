// Decodes, validates and judges the dissemination file on a thread of its own (see core/dissemination-judge.ts),
// handing the main thread, in file order, only what it needs: counts, dead letters, and the lines of patients
// with a recorded dissent. The main thread meanwhile reads the other inputs and runs the engine.
import { parentPort, workerData } from 'node:worker_threads';
import { openInputBatches } from '../codec/input-file.js';
import type { ReadLimits } from '../codec/read-limits.js';
import { parseCodeCatalogue } from '../core/code-catalogue.js';
import { DisseminationJudge, type JudgedDisseminations } from '../core/dissemination-judge.js';
import { ObjectorFilter } from '../core/objector-filter.js';
import type { DeadLetterReason } from '../core/dead-letter-reason.js';
import type { NdsDissemination } from '../core/records.js';
import type { WorkerEnd } from './worker-messages.js';

export interface DisseminationWorkerData {
  readonly path: string;
  readonly catalogue: unknown;
  readonly objectors: readonly string[];
  /** About this many lines are in the file (a hint, to size the id table once). */
  readonly expected: number;
  readonly limits: ReadLimits;
}

export interface DisseminationWorkerMessage {
  readonly type: 'batch';
  readonly batch: JudgedDisseminations;
}

const data = workerData as DisseminationWorkerData;
const port = parentPort!;
const post = (message: DisseminationWorkerMessage | WorkerEnd) => port.postMessage(message);

// Blocks are gathered into messages of some tens of thousands of lines: each message has a fixed cost.
const LINES_PER_MESSAGE = 65_536;

try {
  const objectors = new ObjectorFilter(data.objectors);
  const judge = new DisseminationJudge(parseCodeCatalogue(data.catalogue), (nhs) => objectors.has(nhs));
  judge.expect(data.expected);
  let items = 0;
  let duplicates = 0;
  let latest = -Infinity;
  let kept: NdsDissemination[] = [];
  let dead: { position: number; reason: DeadLetterReason; detail: string }[] = [];
  const flush = () => {
    post({ type: 'batch', batch: { items, duplicates, latest, kept, dead } });
    items = 0;
    duplicates = 0;
    latest = -Infinity;
    kept = [];
    dead = [];
  };
  for await (const batch of await openInputBatches(data.path, 'ndsDisseminations', data.limits)) {
    const judged = judge.judge(batch);
    items += judged.items;
    duplicates += judged.duplicates;
    if (judged.latest > latest) latest = judged.latest;
    for (const k of judged.kept) kept.push(k);
    for (const d of judged.dead) dead.push(d);
    if (items >= LINES_PER_MESSAGE) flush();
  }
  if (items > 0) flush();
  post({ type: 'done' });
} catch (error) {
  post({ type: 'failed', message: (error as Error).message });
}
