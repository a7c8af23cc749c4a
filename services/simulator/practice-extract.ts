// A practice's daily extract as the national data service stores it: a receipt per line, all stored at the same
// instant, and a manifest shortly after saying the extract covers every entry up to the end of its day.
import type { NdsExtractManifest, NdsReceivedObjection } from '../core/records.js';
import type { ExtractEntry } from './extract-entry.js';
import type { IdSequence } from './id-sequence.js';
import type { Practice } from './practice-roster.js';
import { DAY_MS } from './scenario-params.js';

export interface StoredReceipt {
  readonly receipt: NdsReceivedObjection;
  readonly entry: ExtractEntry;
}

export interface StoredExtract {
  readonly practice: Practice;
  readonly receipts: readonly StoredReceipt[];
  readonly manifest: NdsExtractManifest;
}

/** The covered day as YYYYMMDD, the date part of extract ids. */
export function extractDayStamp(coveredDayStart: number): string {
  return new Date(coveredDayStart).toISOString().slice(0, 10).replaceAll('-', '');
}

export function extractIdOf(practice: Practice, coveredDayStart: number, dayStamp = extractDayStamp(coveredDayStart)): string {
  return `ex-${practice.ods}-${dayStamp}`;
}

/**
 * `coveredDayStart` is the start of the day the extract covers (`dayStamp` its extractDayStamp, passed in because
 * every practice shares it); `storedAt` when its receipts were stored; `completeAfterMs` how long after that the
 * manifest declared it complete.
 */
export function storeExtract(
  practice: Practice,
  coveredDayStart: number,
  dayStamp: string,
  storedAt: number,
  completeAfterMs: number,
  entries: readonly ExtractEntry[],
  receiptIds: IdSequence,
): StoredExtract {
  const extractId = extractIdOf(practice, coveredDayStart, dayStamp);
  // Lines in the order their entries were made, so that receipt ids (the tie-break of one extract) follow it;
  // a line that lends its id goes first so that the line taking the id after it is in this extract.
  const ordered = [...entries].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    return ra < rb ? -1 : ra > rb ? 1 : 0;
  });
  const receipts = ordered.map((entry) => ({
    entry,
    receipt: {
      receiptId: entry.lendsItsId ? receiptIds.peek() : receiptIds.next(),
      nhsNumber: entry.nhsNumber,
      practiceOds: practice.ods,
      supplier: practice.supplier,
      code: entry.code,
      sourceEventId: entry.sourceEventId,
      extractId,
      receivedAt: storedAt,
    },
  }));
  const manifest: NdsExtractManifest = {
    extractId,
    supplier: practice.supplier,
    practiceOds: practice.ods,
    // The last instant of the covered day.
    coversUpTo: coveredDayStart + DAY_MS - 1,
    receivedAt: storedAt + completeAfterMs,
    recordCount: receipts.length,
  };
  return { practice, receipts, manifest };
}

function rank(entry: ExtractEntry): number {
  if (entry.lendsItsId) return -Infinity;
  return entry.recordedAt ?? Infinity;
}
