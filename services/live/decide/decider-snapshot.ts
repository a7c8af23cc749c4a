// The decider's snapshot as stored: the core's engine snapshot (engine-snapshot.ts) and what the decider itself keeps
// per partition for its stream clock, as JSON compressed with gzip. JSON because the engine snapshot is already
// arrays of numbers and short strings, and gzip because it takes the repeated ids and codes down to about a fifth
// (measured on the live bench); both come with Node. The offsets and stream time it covers are stored beside it.
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { EngineSnapshot } from '../../core/engine-snapshot.js';
import type { Millis } from '../../core/records.js';
import { VerifierError } from '../errors.js';

/** Format 1: gzip of the JSON text of DeciderSnapshotContent. */
export const DECIDER_SNAPSHOT_FORMAT = 1;

export interface DeciderSnapshotContent {
  readonly engine: EngineSnapshot;
  /** By partition key: the latest event time offered from the partition (records dated beyond MAX_FUTURE excepted). */
  readonly latestEventTime: Readonly<Record<string, Millis>>;
  /** By partition key: event times of records offered while dated beyond MAX_FUTURE, not yet counted as the partition's latest. */
  readonly futureTimes: Readonly<Record<string, readonly Millis[]>>;
}

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Written out as JSON at once, on the event loop; compressed on libuv's thread pool, off the loop that ingest shares. */
export function encodeDeciderSnapshot(content: DeciderSnapshotContent): Promise<Buffer> {
  const text = Buffer.from(JSON.stringify(content), 'utf8');
  return gzipAsync(text, { level: 6 });
}

export async function decodeDeciderSnapshot(format: number, state: Buffer): Promise<DeciderSnapshotContent> {
  if (format !== DECIDER_SNAPSHOT_FORMAT) {
    throw new VerifierError('SCHEMA_NOT_MIGRATED', `the stored decider snapshot has format ${format}; this version reads format ${DECIDER_SNAPSHOT_FORMAT}: run the version that wrote it, or a newer one`, { retriable: false });
  }
  return JSON.parse((await gunzipAsync(state)).toString('utf8')) as DeciderSnapshotContent;
}
