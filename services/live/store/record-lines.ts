// How the records of one stored batch are kept: one text value, a line per record in offset order, each line the
// record's offset, then its contract fields in STREAM_FIELDS order, then (GP events and receipts) its code's opt-out
// type and action, separated by tabs. Text is kept as it is, so PostgreSQL refuses what its text type cannot hold (a
// NUL character) as it would in a column of its own; only a backslash, a tab and a newline are escaped (\\, \t, \n).
// An absent value is \N; numbers are decimal. The record's `nhsNumber` field holds the keyed pseudonym (ingest has
// replaced it), so no line holds an NHS number. Pure: the store writes and reads these lines.
import type { CodeMeaning } from '../../core/code-catalogue.js';
import { STREAM_FIELDS, type OptOutAction, type OptOutType, type RecordOf, type StreamName } from '../../core/records.js';
import type { StoredRecord } from './state-store.js';

/** Fields holding numbers (epoch milliseconds, counts); every other field is text. */
const NUMBER_FIELDS: ReadonlySet<string> = new Set(['recordedAt', 'receivedAt', 'coversUpTo', 'sharedAt', 'recordCount']);
const WITH_MEANING: { readonly [S in StreamName]: boolean } = { gpEvents: true, ndsReceived: true, ndsManifests: false, ndsDisseminations: false };

const ABSENT = '\\N';
const SPECIAL = /[\\\t\n]/;
const SPECIALS = /[\\\t\n]/g;
const ESCAPED = /\\(.)/g;

function escaped(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIALS, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : '\\n')) : text;
}

function unescaped(text: string): string {
  return text.includes('\\') ? text.replace(ESCAPED, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c)) : text;
}

function valueText(value: unknown): string {
  if (value === null || value === undefined) return ABSENT;
  return typeof value === 'string' ? escaped(value) : String(value);
}

/** One record's line (no newline). */
export function recordLine(stream: StreamName, offset: number, record: RecordOf[StreamName], meaning: CodeMeaning | null): string {
  const fields = record as unknown as Readonly<Record<string, unknown>>;
  let line = String(offset);
  for (const name of STREAM_FIELDS[stream].fields) line += `\t${valueText(fields[name])}`;
  if (WITH_MEANING[stream]) line += `\t${valueText(meaning?.type)}\t${valueText(meaning?.action)}`;
  return line;
}

const otherNumberFields = (stream: StreamName): readonly string[] => STREAM_FIELDS[stream].fields.filter((name) => NUMBER_FIELDS.has(name) && name !== STREAM_FIELDS[stream].time);
const OTHER_NUMBER_FIELDS: { readonly [S in StreamName]: readonly string[] } = {
  gpEvents: otherNumberFields('gpEvents'), ndsReceived: otherNumberFields('ndsReceived'), ndsManifests: otherNumberFields('ndsManifests'), ndsDisseminations: otherNumberFields('ndsDisseminations'),
};

/**
 * Appends the record's numbers other than its event time to `numbers`. The store has PostgreSQL read them as bigint,
 * as it would in columns of their own, so that a value outside that range is refused with the record (a dead
 * letter), not kept as text.
 */
export function addOtherNumbers(stream: StreamName, record: RecordOf[StreamName], numbers: number[]): void {
  const fields = record as unknown as Readonly<Record<string, unknown>>;
  for (const name of OTHER_NUMBER_FIELDS[stream]) {
    const value = fields[name];
    if (typeof value === 'number') numbers.push(value);
  }
}

/** Whether each field of a stream holds a number, in STREAM_FIELDS order. */
const numeric = (stream: StreamName): readonly boolean[] => STREAM_FIELDS[stream].fields.map((name) => NUMBER_FIELDS.has(name));
const NUMERIC: { readonly [S in StreamName]: readonly boolean[] } = {
  gpEvents: numeric('gpEvents'), ndsReceived: numeric('ndsReceived'), ndsManifests: numeric('ndsManifests'), ndsDisseminations: numeric('ndsDisseminations'),
};

/** Where the field beginning at `from` ends: the next tab, or the line's end. */
function fieldEnd(text: string, from: number, lineEnd: number): number {
  if (from > lineEnd) throw new Error('a stored record line holds fewer fields than its stream has');
  const tab = text.indexOf('\t', from);
  return tab === -1 || tab > lineEnd ? lineEnd : tab;
}

/**
 * The records of a stored batch's text, in the order stored (offset order), with where they were read; only those
 * whose offset `wanted` accepts, when given. A line's offset is read first and an unwanted line goes no further: the
 * decider often needs a few hundred offsets of a batch of a thousand. Fields are read in place, tab to tab.
 */
export function parseRecordLines(stream: StreamName, topic: string, partition: number, text: string, wanted?: (offset: number) => boolean): StoredRecord[] {
  const names = STREAM_FIELDS[stream].fields;
  const isNumber = NUMERIC[stream];
  const withMeaning = WITH_MEANING[stream];
  const records: StoredRecord[] = [];
  for (let start = 0; start <= text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    let at = fieldEnd(text, start, end);
    const offset = Number(text.slice(start, at));
    const lineStart = start;
    start = end + 1;
    if (wanted !== undefined && !wanted(offset)) continue;
    if (at === end) throw new Error(`a stored record line holds no fields (at ${lineStart})`);
    const record: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) {
      const from = at + 1;
      at = fieldEnd(text, from, end);
      const value = text.slice(from, at);
      record[names[i]!] = value === ABSENT ? null : isNumber[i] ? Number(value) : unescaped(value);
    }
    let meaning: CodeMeaning | null = null;
    if (withMeaning) {
      const typeEnd = fieldEnd(text, at + 1, end);
      meaning = { type: text.slice(at + 1, typeEnd) as OptOutType, action: text.slice(typeEnd + 1, fieldEnd(text, typeEnd + 1, end)) as OptOutAction };
    }
    records.push({ stream, topic, partition, offset, record: record as unknown as RecordOf[StreamName], meaning } as StoredRecord);
  }
  return records;
}
