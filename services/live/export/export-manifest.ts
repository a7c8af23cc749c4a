// export.json: what an export holds and where it stopped, for the operator and for the next export. Counts,
// offsets, topics, the range and the files: never a record's content, so it holds no NHS number. Nothing in it
// depends on the clock, so two exports of the same topics give the same manifest.
import { CONTRACT_STREAMS } from '../../contract/streams.js';
import type { RecordFileFormat } from '../../codec/record-writer.js';
import { STREAM_FIELDS, STREAM_NAMES, type StreamName } from '../../core/records.js';
import { describeRange, type EventTimeRange } from './event-time-range.js';
import { REJECTED_FILE, streamFileName } from './export-target.js';
import type { InputExtent } from './input-extent.js';

export interface StreamCounts {
  /** Messages read: below the end offsets. */
  read: number;
  /** Records written to the stream's file. */
  records: number;
  outsideRange: number;
  rejected: number;
}

export interface ExportOutcome {
  readonly format: RecordFileFormat;
  readonly valueEncoding: string;
  readonly range: EventTimeRange;
  readonly topics: { readonly [S in StreamName]: string };
  readonly extent: InputExtent;
  readonly counts: { readonly [S in StreamName]: StreamCounts };
}

export function totalRejected(outcome: ExportOutcome): number {
  return STREAM_NAMES.reduce((n, s) => n + outcome.counts[s].rejected, 0);
}

export function exportManifest(outcome: ExportOutcome): string {
  const streams = Object.fromEntries(STREAM_NAMES.map((stream) => [stream, {
    topic: outcome.topics[stream],
    schema: CONTRACT_STREAMS[stream].schemaName,
    eventTimeField: STREAM_FIELDS[stream].time,
    file: streamFileName(stream, outcome.format),
    ...outcome.counts[stream],
    partitions: outcome.extent[stream],
  }]));
  return `${JSON.stringify({
    manifestVersion: 1,
    format: outcome.format,
    valueEncoding: outcome.valueEncoding,
    range: { ...describeRange(outcome.range), fromInclusive: true, toExclusive: true },
    streams,
    rejected: { file: REJECTED_FILE, messages: totalRejected(outcome) },
  }, null, 2)}\n`;
}

const LABEL: { readonly [S in StreamName]: string } = { gpEvents: 'GP events', ndsReceived: 'receipts', ndsManifests: 'manifests', ndsDisseminations: 'disseminations' };
const n = (value: number): string => value.toLocaleString('en-GB');

/** The summary printed on stderr. */
export function exportSummary(outcome: ExportOutcome, outDir: string): string {
  const range = describeRange(outcome.range);
  const lines = [
    `exported to ${outDir} (${outcome.format}), event time from ${range.from ?? 'the first record'} (inclusive) to ${range.to ?? 'the last record'} (exclusive):`,
    ...STREAM_NAMES.map((stream) => {
      const c = outcome.counts[stream];
      const ends = outcome.extent[stream].map((p) => `${p.partition}:${p.endOffset}`).join(' ');
      return `  ${LABEL[stream]} (${outcome.topics[stream]}, ${STREAM_FIELDS[stream].time}): ${n(c.records)} records, ${n(c.outsideRange)} outside the range, ${n(c.rejected)} rejected; read ${n(c.read)} messages up to end offsets ${ends || '(no partition)'}`;
    }),
  ];
  const rejected = totalRejected(outcome);
  lines.push(rejected === 0
    ? 'no message was rejected'
    : `${n(rejected)} message(s) could not be exported: see ${REJECTED_FILE} (topic, partition, offset, reason, raw bytes); exit code 1`);
  return `${lines.join('\n')}\n`;
}
