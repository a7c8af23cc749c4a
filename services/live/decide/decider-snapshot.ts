// The decider's snapshot as stored: the core's engine snapshot (engine-snapshot.ts) and what the decider itself keeps
// per partition for its stream clock, compressed with gzip. Format 2 writes it as compact bytes (compact-value.ts):
// no JSON text, which a JavaScript string could not hold for some two million patients. Measured on the live bench's
// state at four times its history: read back (gunzip and decode) in two thirds of JSON's time; written out on the
// event loop in about a fifth more than JSON.stringify, but half the bytes, which gzip compresses off the loop in a
// quarter of the time (measured when format 2 came in). The decider now writes and reads it item by item, from and
// into the engine's own objects, with no generic value of the whole state held on the way. Format 1, JSON text, is
// still read, so that a snapshot stored by an earlier version is taken over. Format 3 is format 2 with the engine's
// queue (the records read but not yet applied, up to a week of a backlog's records) left out: for each partition it
// names the lowest offset still queued (`queuedFrom`), and a decider taking over reads the records from there back
// from the store (queued-sources.ts). The offsets and stream time it covers are stored beside it.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip, gunzip } from 'node:zlib';
import { restoreEngine, restoringEngineFrom, UnreadableSnapshot, writingSnapshot, type EngineSnapshot } from '../../core/engine-snapshot.js';
import type { Reconciler, ReconcilerOptions } from '../../core/reconciler.js';
import type { Millis } from '../../core/records.js';
import { VerifierError } from '../errors.js';
import { partitionMapOf, type PartitionKey } from '../store/topic-partition.js';
import { CompactReader, CompactWriter, decodeCompactValue, encodeCompactValue, UnreadableValue } from './compact-value.js';

/**
 * Format 1: gzip of the JSON text of DeciderSnapshotContent. Format 2: gzip of its compact bytes. Format 3: as 2,
 * with the engine's queue left out and `queuedFrom` saying where to read it back from.
 */
const JSON_FORMAT = 1;
const QUEUE_INSIDE_FORMAT = 2;
export const DECIDER_SNAPSHOT_FORMAT = 3;

export interface DeciderSnapshotContent {
  readonly engine: EngineSnapshot;
  /** By partition key: the latest event time offered from the partition (records dated beyond MAX_FUTURE excepted). */
  readonly latestEventTime: Readonly<Record<string, Millis>>;
  /** By partition key: event times of records offered while dated beyond MAX_FUTURE, not yet counted as the partition's latest. */
  readonly futureTimes: Readonly<Record<string, readonly Millis[]>>;
  /**
   * Format 3: by partition key, the lowest offset of a record still in the engine's queue, which the snapshot leaves
   * out (each partition's records from there to the offset covered, dated after the time reached, are the queue).
   */
  readonly queuedFrom?: Readonly<Record<string, number>>;
}

const gunzipAsync = promisify(gunzip);

/**
 * Written out at once, on the event loop; compressed on libuv's thread pool, off the loop that ingest shares. Level 3
 * (measured on the live bench's state): under a tenth larger than level 6, in half its time, which the pool takes
 * from the same two cores as ingest and PostgreSQL.
 */
export function encodeDeciderSnapshot(content: DeciderSnapshotContent): Promise<Buffer> {
  return compressed(encodeCompactValue(content));
}

/**
 * The bytes encodeDeciderSnapshot writes for snapshotOf(state.engine) and the same times, written from the engine
 * item by item (no array is built for a patient key on the way), in steps with `pause` awaited between them (every
 * few thousand patient keys, tens of thousands of manifests or alerts): at national scale the write takes seconds,
 * and the decider's event loop, which ingest and Kafka heartbeats share, runs between steps. `heldMs`: how long the
 * steps held the loop, the pauses left out. Nothing may change the engine until the promise settles. With
 * `state.queuedFrom`, format 3 (the queue left out); without, format 2.
 */
export async function encodeDeciderState(state: DeciderState, pause: () => Promise<void>, now: () => number): Promise<{ readonly format: number; readonly state: Buffer; readonly heldMs: number }> {
  const writer = new CompactWriter();
  const steps = writingState(state, writer);
  let heldMs = 0;
  for (;;) {
    const started = now();
    const step = steps.next();
    heldMs += now() - started;
    if (step.done) break;
    await pause();
  }
  return { format: state.queuedFrom === null ? QUEUE_INSIDE_FORMAT : DECIDER_SNAPSHOT_FORMAT, state: await compressed(writer.finish()), heldMs };
}

function* writingState(state: DeciderState, writer: CompactWriter): Generator<void, void> {
  const queuedFrom = state.queuedFrom;
  writer.object(queuedFrom === null ? 3 : 4);
  writer.string('engine');
  yield* writingSnapshot(state.engine, writer, queuedFrom === null);
  writer.string('latestEventTime');
  writer.value(state.latestEventTime);
  writer.string('futureTimes');
  writer.value(state.futureTimes);
  if (queuedFrom === null) return;
  writer.string('queuedFrom');
  writer.value(Object.fromEntries(queuedFrom));
}

/** The chunks through gzip as they are, never joined: a large state is not held twice before it is compressed. */
async function compressed(chunks: readonly Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), createGzip({ level: 3 }), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out.push(chunk);
  });
  return Buffer.concat(out);
}

export async function decodeDeciderSnapshot(format: number, state: Buffer): Promise<DeciderSnapshotContent> {
  const bytes = await gunzipped(format, state);
  return (format === JSON_FORMAT ? JSON.parse(bytes.toString('utf8')) : decodeCompactValue(bytes)) as DeciderSnapshotContent;
}

/** What a snapshot holds, as the decider holds it: the engine itself, and its partitions' times. */
export interface DeciderState extends Omit<DeciderSnapshotContent, 'engine' | 'queuedFrom'> {
  readonly engine: Reconciler;
  /**
   * Where the engine's queue is to be read back from, by partition (format 3): the engine holds none of it until
   * the records are offered again. Null: the engine holds its queue (formats 1 and 2), and a snapshot of it keeps it.
   */
  readonly queuedFrom: ReadonlyMap<PartitionKey, number> | null;
}

/**
 * The engine and the decider's own state from a stored snapshot. Format 2 is read item by item into the engine's
 * objects (restoreEngineFrom): the snapshot is never held whole as generic arrays on the way, which the garbage
 * collector copied as they survived and a restore spent much of its time on (about a quarter less CPU without them).
 */
export async function restoreDeciderSnapshot(format: number, state: Buffer, options: ReconcilerOptions, pause: (() => Promise<void>) | null = null): Promise<DeciderState> {
  if (format === JSON_FORMAT) {
    const content = await decodeDeciderSnapshot(format, state);
    return { ...partitionTimes(content.latestEventTime, content.futureTimes), engine: restoreEngine(content.engine, options), queuedFrom: null };
  }
  const reader = new CompactReader(await gunzipped(format, state));
  const steps = restoringFrom(reader, options, format === DECIDER_SNAPSHOT_FORMAT);
  for (;;) {
    const step = steps.next();
    if (step.done) {
      if (!reader.done) throw new UnreadableValue('bytes left over after the value');
      return step.value;
    }
    // Between steps of some thousands of patient keys, whoever asked may let other work run (a standby's loop).
    if (pause !== null) await pause();
  }
}

function* restoringFrom(reader: CompactReader, options: ReconcilerOptions, queueLeftOut: boolean): Generator<void, DeciderState> {
  const members = reader.object();
  let engine: Reconciler | null = null;
  const rest = new Map<string, unknown>();
  for (let i = 0; i < members; i++) {
    const name = reader.string();
    if (name === 'engine') engine = yield* restoringEngineFrom(reader, options);
    else rest.set(name, reader.value());
  }
  if (engine === null) throw new UnreadableSnapshot('no engine in the decider snapshot');
  // Its queue is read back from the store: one held here too would be offered twice.
  if (queueLeftOut && engine.latestQueuedTime() !== -Infinity) throw new UnreadableSnapshot('a format 3 snapshot whose engine holds queued records');
  return { engine, ...partitionTimes(rest.get('latestEventTime'), rest.get('futureTimes')), queuedFrom: queueLeftOut ? queueOffsets(rest.get('queuedFrom')) : null };
}

/** Format 3's queuedFrom, checked: an offset that is not a whole number would read back the wrong records. */
function queueOffsets(queuedFrom: unknown): Map<PartitionKey, number> {
  if (!isObject(queuedFrom)) throw new UnreadableSnapshot('no queue offsets in the decider snapshot');
  for (const [partition, offset] of Object.entries(queuedFrom)) {
    if (!Number.isSafeInteger(offset) || (offset as number) < 0) throw new UnreadableSnapshot(`the queue offset of partition ${partition} is not a whole number`);
  }
  return partitionMapOf(queuedFrom as Record<string, number>);
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null && !Array.isArray(value);
const isTime = (value: unknown): value is Millis => typeof value === 'number' && Number.isSafeInteger(value);

/**
 * The partition times as the decider keeps them, checked: a time that is not an integer would otherwise reach the
 * stream clock and hold back, or run ahead, every decision after the takeover.
 */
function partitionTimes(latestEventTime: unknown, futureTimes: unknown): Omit<DeciderState, 'engine' | 'queuedFrom'> {
  if (!isObject(latestEventTime) || !isObject(futureTimes)) throw new UnreadableSnapshot('no partition times in the decider snapshot');
  for (const [partition, time] of Object.entries(latestEventTime)) {
    if (!isTime(time)) throw new UnreadableSnapshot(`the latest event time of partition ${partition} is not an integer`);
  }
  for (const [partition, times] of Object.entries(futureTimes)) {
    if (!Array.isArray(times) || !times.every(isTime)) throw new UnreadableSnapshot(`the future times of partition ${partition} are not a list of integers`);
  }
  return { latestEventTime, futureTimes } as Omit<DeciderState, 'engine' | 'queuedFrom'>;
}

/** The bytes of a format this version reads, gunzipped. */
async function gunzipped(format: number, state: Buffer): Promise<Buffer> {
  if (format === DECIDER_SNAPSHOT_FORMAT || format === QUEUE_INSIDE_FORMAT || format === JSON_FORMAT) return gunzipAsync(state);
  throw new VerifierError('SCHEMA_NOT_MIGRATED', `the stored decider snapshot has format ${format}; this version reads formats ${JSON_FORMAT} to ${DECIDER_SNAPSHOT_FORMAT}: run the version that wrote it, or a newer one`, { retriable: false });
}
