// One export: the end offsets first, then every partition read up to them into spills (decoded, filtered on
// event time, rejected messages kept with their bytes), then the spills into the stream files in (partition,
// offset) order, the manifest, and the files renamed into the target.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { RecordFileFormat } from '../../codec/record-writer.js';
import { avroTypeFor } from '../../codec/schema-catalog.js';
import { STREAM_NAMES, type StreamName } from '../../core/records.js';
import { isRetriable, registryFailure } from '../errors.js';
import { readBounded, type BoundedReadOptions } from './bounded-read.js';
import type { EventTimeRange } from './event-time-range.js';
import { exportManifest, type ExportOutcome, type StreamCounts } from './export-manifest.js';
import { MANIFEST_FILE, openWorkspace } from './export-target.js';
import { inputExtent } from './input-extent.js';
import type { MessageTriage } from './message-triage.js';
import { PartitionSpill } from './partition-spill.js';
import { writeStreamFiles } from './stream-files.js';

export interface ExportPlan {
  readonly outDir: string;
  readonly format: RecordFileFormat;
  readonly range: EventTimeRange;
  readonly topics: { readonly [S in StreamName]: string };
  readonly valueEncoding: string;
  readonly read: BoundedReadOptions;
}

export interface ExportDeps {
  readonly kafka: Kafka;
  readonly triageOf: (stream: StreamName) => MessageTriage;
  /** Called once the end offsets are known, before anything is read. */
  readonly onEndOffsets?: (extent: ExportOutcome['extent']) => void;
  /** Settles when the export is to stop (SIGINT, SIGTERM): nothing is left under an export's names. */
  readonly stop?: Promise<Error>;
}

const REGISTRY_ATTEMPTS = 5;

export async function runExport(deps: ExportDeps, plan: ExportPlan): Promise<ExportOutcome> {
  const admin = deps.kafka.admin();
  let extent;
  try {
    extent = await inputExtent(admin, plan.topics);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  deps.onEndOffsets?.(extent);

  const workspace = await openWorkspace(plan.outDir);
  try {
    const streamOf = new Map<string, StreamName>(STREAM_NAMES.map((s) => [plan.topics[s], s]));
    const counts = Object.fromEntries(STREAM_NAMES.map((s) => [s, { read: 0, records: 0, outsideRange: 0, rejected: 0 }])) as Record<StreamName, StreamCounts>;
    const spills = new Map<string, PartitionSpill>();
    const spillPaths = {} as Record<StreamName, string[]>;
    for (const stream of STREAM_NAMES) {
      spillPaths[stream] = [];
      for (const p of extent[stream]) {
        const spill = new PartitionSpill(join(workspace.workDir, `${stream}-${p.partition}.spill`));
        spills.set(`${plan.topics[stream]}\u0000${p.partition}`, spill);
        spillPaths[stream].push(spill.path);
      }
    }
    const triage = new Map<StreamName, MessageTriage>(STREAM_NAMES.map((s) => [s, deps.triageOf(s)]));
    const bounds = STREAM_NAMES.flatMap((s) => extent[s].map((p) => ({ topic: plan.topics[s], ...p })));

    await readBounded(deps.kafka, bounds, plan.read, async (topic, partition, messages) => {
      const stream = streamOf.get(topic)!;
      const t = triage.get(stream)!;
      const spill = spills.get(`${topic}\u0000${partition}`)!;
      const unknown = t.writerSchemasToFetch(messages.map((m) => m.value));
      if (unknown.length > 0) await fetchWithRetries(() => t.fetchWriterSchemas(unknown).catch((error: unknown) => { throw registryFailure(error); }));
      const type = avroTypeFor(stream);
      for (const message of messages) {
        counts[stream].read++;
        const verdict = t.triage(message.value);
        let pending: void | Promise<void> = undefined;
        if (verdict.kind === 'record') {
          counts[stream].records++;
          pending = spill.writeRecord(type.toBuffer(verdict.fields));
        } else if (verdict.kind === 'outside-range') {
          counts[stream].outsideRange++;
        } else {
          counts[stream].rejected++;
          pending = spill.writeRejected(rejectedLine(stream, topic, partition, message, verdict.reason, verdict.detail));
        }
        if (pending) await pending;
      }
    }, deps.stop);
    for (const spill of spills.values()) await spill.close();

    const files = await writeStreamFiles(workspace.workDir, plan.format, spillPaths);
    const outcome: ExportOutcome = { format: plan.format, valueEncoding: plan.valueEncoding, range: plan.range, topics: plan.topics, extent, counts };
    await writeFile(join(workspace.workDir, MANIFEST_FILE), exportManifest(outcome));
    await workspace.publish([...files, MANIFEST_FILE]);
    return outcome;
  } catch (error) {
    await workspace.discard();
    throw error;
  }
}

/** One line of rejected.ndjson: where the message was, why it was rejected, and its bytes as they were. */
function rejectedLine(stream: StreamName, topic: string, partition: number, message: KafkaMessage, reason: string, detail: string): string {
  return JSON.stringify({
    topic, partition, offset: Number(message.offset), stream, reason, detail,
    timestamp: Number(message.timestamp),
    key: message.key === null || message.key === undefined ? null : message.key.toString('base64'),
    value: message.value === null ? null : message.value.toString('base64'),
  });
}

/** The registry answers a few times out of many; one that stays away ends the export (exit 3), with what it said. */
async function fetchWithRetries(fetch: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await fetch();
      return;
    } catch (error) {
      if (attempt >= REGISTRY_ATTEMPTS || !isRetriable(error)) throw error;
      await sleep(250 * 2 ** attempt);
    }
  }
}
