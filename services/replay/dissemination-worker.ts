// Decodes, validates and judges the dissemination file on a thread of its own (see core/dissemination-judge.ts),
// handing the main thread, in file order, only what it needs: counts, dead letters, and the lines of patients
// with a recorded dissent. The main thread meanwhile reads the other inputs and runs the engine. An Avro file's
// blocks are screened as they are read, their common lines straight from the bytes
// (codec/screened-dissemination-blocks.ts).
//
// A large Avro file is shared with a helper thread (dissemination-helper.ts): the file is cut into segments at
// block boundaries, each thread claims the next segment when it is free and screens it (decoding, validation,
// fingerprints), and this thread, the lead, sequences the screened segments in file order through the one id
// table, so that what it hands over is what judging the whole file here would give.
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { openAvroContainerBatchesInto, openContainerSegmentsInto, splitContainer } from '../codec/container-reader.js';
import { inputFormatOf, openInputBatches } from '../codec/input-file.js';
import type { ReadLimits } from '../codec/read-limits.js';
import { screenedDisseminationBlocks } from '../codec/screened-dissemination-blocks.js';
import { parseCodeCatalogue } from '../core/code-catalogue.js';
import { DisseminationJudge, DisseminationScreen, DisseminationSequencer, type JudgedDisseminations } from '../core/dissemination-judge.js';
import { ObjectorFilter } from '../core/objector-filter.js';
import type { DeadLetterReason } from '../core/dead-letter-reason.js';
import type { NdsDissemination } from '../core/records.js';
import { SegmentClaims, screenSegment, type HelperMessage, type LeadMessage } from './dissemination-segments.js';
import { SegmentSequence } from './segment-sequence.js';
import type { WorkerEnd } from './worker-messages.js';

export interface DisseminationWorkerData {
  readonly path: string;
  readonly catalogue: unknown;
  readonly objectors: readonly string[];
  /** About this many lines are in the file (a hint, to size the id table once). */
  readonly expected: number;
  readonly limits: ReadLimits;
  /** Given when a helper thread shares the file: the port to it and the shared claim counters. */
  readonly split?: { readonly port: MessagePort; readonly claims: SharedArrayBuffer; readonly segmentBytes: number };
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

/** Judged batches gathered into messages to the main thread. */
class Outbox {
  private items = 0;
  private duplicates = 0;
  private latest = -Infinity;
  private kept: NdsDissemination[] = [];
  private dead: { position: number; reason: DeadLetterReason; detail: string }[] = [];

  add(judged: JudgedDisseminations): void {
    this.items += judged.items;
    this.duplicates += judged.duplicates;
    if (judged.latest > this.latest) this.latest = judged.latest;
    for (const k of judged.kept) this.kept.push(k);
    for (const d of judged.dead) this.dead.push(d);
    if (this.items >= LINES_PER_MESSAGE) this.flush();
  }

  flush(): void {
    if (this.items === 0) return;
    post({ type: 'batch', batch: { items: this.items, duplicates: this.duplicates, latest: this.latest, kept: this.kept, dead: this.dead } });
    this.items = 0;
    this.duplicates = 0;
    this.latest = -Infinity;
    this.kept = [];
    this.dead = [];
  }
}

async function judgeAlone(objectors: ObjectorFilter, outbox: Outbox): Promise<void> {
  if (inputFormatOf(data.path) === 'avro') {
    // Screened as each block is read (from its bytes, where it can be), then sequenced.
    const sequencer = new DisseminationSequencer();
    sequencer.expect(data.expected);
    const blocks = screenedDisseminationBlocks(screenOf(objectors));
    for await (const batch of await openAvroContainerBatchesInto(data.path, 'ndsDisseminations', data.limits, blocks)) outbox.add(sequencer.judge(batch));
    return;
  }
  const judge = new DisseminationJudge(parseCodeCatalogue(data.catalogue), (nhs) => objectors.has(nhs));
  judge.expect(data.expected);
  for await (const batch of await openInputBatches(data.path, 'ndsDisseminations', data.limits)) outbox.add(judge.judge(batch));
}

function screenOf(objectors: ObjectorFilter): DisseminationScreen {
  return new DisseminationScreen(parseCodeCatalogue(data.catalogue), (nhs) => objectors.has(nhs), objectors);
}

async function judgeWithHelper(split: NonNullable<DisseminationWorkerData['split']>, objectors: ObjectorFilter, outbox: Outbox): Promise<void> {
  const open = await openContainerSegmentsInto(data.path, 'ndsDisseminations', data.limits, screenedDisseminationBlocks(screenOf(objectors)));
  const segments = await splitContainer(data.path, split.segmentBytes);
  const claims = new SegmentClaims(split.claims);
  const count = segments.length;
  const sequencer = new DisseminationSequencer();
  sequencer.expect(data.expected);
  // Each segment screened (here or by the helper) waits there until the sequencing reaches it; a failure too, so
  // that an error is met in file order, after everything before it.
  const sequence = new SegmentSequence(count, (batch) => outbox.add(sequencer.judge(batch)), claims);
  let wake: (() => void) | null = null;
  split.port.on('message', (m: HelperMessage) => {
    sequence.take(m);
    wake?.();
  });
  split.port.postMessage({ segments } satisfies LeadMessage);
  // While this thread screens a segment of its own, the helper's segments before it are sequenced block by block,
  // taken from the port at once: waiting for the whole segment left the helper waiting for room.
  const betweenBlocks = () => {
    for (let m = receiveMessageOnPort(split.port); m !== undefined; m = receiveMessageOnPort(split.port)) sequence.take(m.message as HelperMessage);
    sequence.sequenceReady();
  };
  try {
    for (sequence.sequenceReady(); !sequence.done; sequence.sequenceReady()) {
      const index = claims.full ? count : claims.claim();
      if (index < count) {
        try {
          sequence.add(index, await screenSegment(open(segments[index]!), betweenBlocks));
        } catch (error) {
          // Sequencing's own failure (met between blocks) ends the run; a screening failure waits its turn.
          if (sequence.failed !== null) throw sequence.failed.error;
          sequence.add(index, { failed: (error as Error).message });
        }
        continue;
      }
      // Nothing to claim for now: wait for the helper's next segment.
      if (!sequence.nextArrived) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  } finally {
    claims.stop(count);
    split.port.close();
  }
}

try {
  const objectors = new ObjectorFilter(data.objectors);
  const outbox = new Outbox();
  if (data.split === undefined) await judgeAlone(objectors, outbox);
  else await judgeWithHelper(data.split, objectors, outbox);
  outbox.flush();
  post({ type: 'done' });
} catch (error) {
  post({ type: 'failed', message: (error as Error).message });
}
