// The helper of a dissemination file shared between two threads (see dissemination-worker.ts): claims segments
// of the file in turn with the lead, screens each (decoding, validation, fingerprints) and posts the compact
// results to the lead, which sequences them in file order. It holds no id table.
import { workerData, type MessagePort } from 'node:worker_threads';
import { openContainerSegmentsInto } from '../codec/container-reader.js';
import type { ReadLimits } from '../codec/read-limits.js';
import { screenedDisseminationBlocks } from '../codec/screened-dissemination-blocks.js';
import { parseCodeCatalogue } from '../core/code-catalogue.js';
import { DisseminationScreen } from '../core/dissemination-judge.js';
import { ObjectorFilter } from '../core/objector-filter.js';
import { SegmentClaims, screenSegment, transferablesOf, type HelperMessage, type LeadMessage } from './dissemination-segments.js';

export interface DisseminationHelperData {
  readonly path: string;
  readonly catalogue: unknown;
  readonly objectors: readonly string[];
  readonly limits: ReadLimits;
  readonly port: MessagePort;
  readonly claims: SharedArrayBuffer;
}

const data = workerData as DisseminationHelperData;
const lead = data.port;
const claims = new SegmentClaims(data.claims);
const post = (message: HelperMessage, transfer: ArrayBuffer[] = []) => lead.postMessage(message, transfer);

// The lead says what the segments are before anything else; the screen is built meanwhile.
const told = new Promise<LeadMessage>((resolve) => lead.once('message', resolve));
const objectors = new ObjectorFilter(data.objectors);
const screen = new DisseminationScreen(parseCodeCatalogue(data.catalogue), (nhs) => objectors.has(nhs), objectors);
const { segments } = await told;
let index = -1;
try {
  const open = await openContainerSegmentsInto(data.path, 'ndsDisseminations', data.limits, screenedDisseminationBlocks(screen));
  for (;;) {
    claims.waitForRoom(segments.length);
    index = claims.claim();
    if (index >= segments.length) break;
    const segment = await screenSegment(open(segments[index]!));
    post({ type: 'segment', index, segment }, transferablesOf(segment));
    if (segment.stopped) break;
  }
} catch (error) {
  // The lead reports it when its sequencing reaches this segment (or the first, if the file would not open).
  post({ type: 'failed', index: Math.max(index, 0), message: (error as Error).message });
}
lead.close();
