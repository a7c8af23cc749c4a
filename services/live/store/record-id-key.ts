// The key under which record_ids holds an id: the first 16 bytes of SHA-256 over `stream:id` (UTF-8), as a uuid.
// A fixed 16 bytes compared byte for byte makes the primary key's index small and its comparisons cheap, where
// (stream, id) as text cost most of an insert in collation-aware comparisons. Migration 008 computes the same key in
// SQL for the ids stored before it. Two ids of a stream sharing a key would take a 2^64 birthday bound: never.
import { hash } from 'node:crypto';
import type { StreamName } from '../../core/records.js';

/** The key as 32 hex digits, which PostgreSQL reads as a uuid. */
export function recordIdKey(stream: StreamName, id: string): string {
  return hash('sha256', `${stream}:${id}`, 'hex').slice(0, 32);
}
