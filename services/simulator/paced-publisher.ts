// Publishes a scenario's items, in generation order, at a steady pace: small batches, each sent when the token
// bucket has room for it. The sink, the clock and the wait come in from the caller (kafka-topic-sink.ts and
// publish-command.ts), so the loop is tested with a simulated clock and a sink in memory.
import { STREAM_NAMES, type StreamName } from '../core/records.js';
import type { KafkaMessage, MessageEncoder } from './kafka-messages.js';
import type { SimulatedItem } from './simulated-item.js';
import { TokenBucket } from './token-bucket.js';

export interface MessageSink {
  /** Sends the messages, in order, and resolves once the broker has acknowledged all of them. */
  send(messages: readonly KafkaMessage[]): Promise<void>;
}

export interface PublishProgress {
  readonly published: { readonly [S in StreamName]: number };
  readonly total: number;
  /** Earliest and latest event time among the records published so far. */
  readonly eventTimeFrom: number | null;
  readonly eventTimeTo: number | null;
  readonly elapsedMs: number;
}

export interface PacedPublishDeps {
  readonly sink: MessageSink;
  readonly encode: MessageEncoder;
  /** Monotonic milliseconds. */
  readonly now: () => number;
  /** Waits `ms`, or less when the signal aborts; never rejects. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Aborted to stop: the batch being sent completes, nothing after it is sent. */
  readonly signal: AbortSignal;
  readonly onProgress: (progress: PublishProgress) => void;
}

export interface PacedPublishSettings {
  readonly pacePerSecond: number;
  readonly progressEveryMs: number;
}

export interface PublishOutcome {
  readonly outcome: 'done' | 'stopped';
  readonly progress: PublishProgress;
}

/** About 20 sends a second at any pace, 1 to 500 records each: steady to the eye, cheap for the broker. */
export function batchSizeFor(pacePerSecond: number): number {
  return Math.min(500, Math.max(1, Math.ceil(pacePerSecond / 20)));
}

export async function publishPaced(items: Iterable<SimulatedItem>, deps: PacedPublishDeps, settings: PacedPublishSettings): Promise<PublishOutcome> {
  const batchSize = batchSizeFor(settings.pacePerSecond);
  const bucket = new TokenBucket(settings.pacePerSecond, batchSize);
  const published = { gpEvents: 0, ndsReceived: 0, ndsManifests: 0, ndsDisseminations: 0 };
  let total = 0;
  let eventTimeFrom: number | null = null;
  let eventTimeTo: number | null = null;
  const startedAt = deps.now();
  let reportedAt = startedAt;
  const progress = (): PublishProgress => ({ published: { ...published }, total, eventTimeFrom, eventTimeTo, elapsedMs: deps.now() - startedAt });

  const iterator = items[Symbol.iterator]();
  let exhausted = false;
  let stopped = false;
  while (!exhausted) {
    if (deps.signal.aborted) {
      stopped = true;
      break;
    }
    const batch: KafkaMessage[] = [];
    while (batch.length < batchSize) {
      const next = iterator.next();
      if (next.done === true) {
        exhausted = true;
        break;
      }
      batch.push(deps.encode(next.value));
    }
    if (batch.length === 0) break;
    const wait = bucket.reserve(batch.length, deps.now());
    if (wait > 0) await deps.sleep(wait, deps.signal);
    if (deps.signal.aborted) {
      stopped = true;
      break;
    }
    await deps.sink.send(batch);
    for (const message of batch) {
      published[message.stream]++;
      const t = message.eventTime;
      if (t !== null) {
        if (eventTimeFrom === null || t < eventTimeFrom) eventTimeFrom = t;
        if (eventTimeTo === null || t > eventTimeTo) eventTimeTo = t;
      }
    }
    total += batch.length;
    if (deps.now() - reportedAt >= settings.progressEveryMs) {
      reportedAt = deps.now();
      deps.onProgress(progress());
    }
  }
  return { outcome: stopped ? 'stopped' : 'done', progress: progress() };
}

/** Counts per stream in the contract's order, for summary lines. */
export function countsByStream(progress: PublishProgress): [StreamName, number][] {
  return STREAM_NAMES.map((s) => [s, progress.published[s]]);
}
