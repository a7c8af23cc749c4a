// `simulate --publish kafka`: the generated scenario sent to the four input topics at a steady pace, with a line
// on stdout every few seconds and a summary at the end. Lines carry counts, topics and event times, never a
// record's contents (so never an NHS number).
import { setTimeout as wait } from 'node:timers/promises';
import { STREAM_NAMES, type StreamName } from '../core/records.js';
import { describeScenario } from './scenario-description.js';
import type { ScenarioRun } from './scenario-generator.js';
import { readFile } from 'node:fs/promises';
import { streamSchemaJson } from '../codec/schema-catalog.js';
import { SchemaRegistryClient } from '../schema-registry/registry-client.js';
import { topicValueSubject, type SchemaRegistrySettings } from '../schema-registry/registry-settings.js';
import { kafkaMessageEncoder, type ConfluentSchemaIds } from './kafka-messages.js';
import { withForeignPurpose } from './scenario-files.js';
import { openKafkaTopicSink, type KafkaTopicSink } from './kafka-topic-sink.js';
import { countsByStream, publishPaced, type PublishProgress } from './paced-publisher.js';
import type { KafkaPublishConfig } from './simulate-options.js';

export const PUBLISH_EXIT = { DONE: 0, KAFKA_FAILED: 3 } as const;

const PROGRESS_EVERY_MS = 10_000;

const STREAM_LABEL: { readonly [S in StreamName]: string } = {
  gpEvents: 'gp events', ndsReceived: 'receipts', ndsManifests: 'manifests', ndsDisseminations: 'disseminations',
};

export interface PublishIo {
  /** One line to stdout (progress, summary); not called with --quiet. */
  readonly out: (line: string) => void;
  /** One line to stderr (failures, kafkajs warnings). */
  readonly err: (line: string) => void;
  /** Aborted on SIGTERM or SIGINT, with the signal's name as its reason. */
  readonly signal: AbortSignal;
}

const n = (x: number): string => x.toLocaleString('en-GB');
const day = (t: number | null): string => (t === null ? '-' : new Date(t).toISOString().slice(0, 16).replace('T', ' '));

function describeProgress(p: PublishProgress): string {
  const streams = countsByStream(p).map(([s, count]) => `${STREAM_LABEL[s]} ${n(count)}`).join(', ');
  return `published ${n(p.total)} records (${streams}); event time up to ${day(p.eventTimeTo)}; ${(p.elapsedMs / 1000).toFixed(1)} s`;
}

export async function publishScenario(run: ScenarioRun, config: KafkaPublishConfig, io: PublishIo): Promise<number> {
  const p = run.params;
  io.out(`optout-verifier simulate: seed ${p.seed}, ${n(p.practices)} practices, ${n(p.patients)} patients, ${n(p.days)} days from ${day(p.startAt).slice(0, 10)}, faults: ${p.faults.join(', ') || 'none'}`);
  const routes = STREAM_NAMES.map((s) => `${STREAM_LABEL[s]} to ${config.topics[s]}`).join(', ');
  io.out(`  publishing to ${config.brokers.join(',')} at ${n(config.pacePerSecond)}/s: ${routes}`);

  let confluent: ConfluentSchemaIds | null = null;
  if (config.valueEncoding.kind === 'confluent') {
    try {
      confluent = await registerSchemas(config.valueEncoding.registry, config.topics, p.faults.includes('bad-records'));
    } catch (error) {
      io.err(`optout-verifier simulate: cannot register the schemas: ${(error as Error).message}`);
      return PUBLISH_EXIT.KAFKA_FAILED;
    }
    const ids = STREAM_NAMES.map((s) => `${topicValueSubject(config.topics[s])} id ${confluent!.contract[s]}`).join(', ');
    io.out(`  Confluent wire format, schemas registered at ${config.valueEncoding.registry.url}: ${ids}`);
  }

  let sink: KafkaTopicSink;
  try {
    sink = await openKafkaTopicSink({ brokers: config.brokers, topics: config.topics, clientId: 'optout-verifier-simulate', warn: io.err });
  } catch (error) {
    io.err(`optout-verifier simulate: cannot publish to Kafka: ${(error as Error).message}`);
    return PUBLISH_EXIT.KAFKA_FAILED;
  }

  const started = performance.now();
  let result;
  try {
    result = await publishPaced(run.items(), {
      sink,
      encode: kafkaMessageEncoder(confluent),
      now: () => performance.now() - started,
      sleep: (ms, signal) => wait(ms, undefined, { signal }).catch(() => undefined),
      signal: io.signal,
      onProgress: (progress) => io.out(`  ${describeProgress(progress)}`),
    }, { pacePerSecond: config.pacePerSecond, progressEveryMs: PROGRESS_EVERY_MS });
  } catch (error) {
    io.err(`optout-verifier simulate: publishing to Kafka failed: ${(error as Error).message}`);
    await sink.close().catch(() => undefined);
    return PUBLISH_EXIT.KAFKA_FAILED;
  }
  await sink.close().catch((error: unknown) => io.err(`optout-verifier simulate: closing the Kafka producer: ${(error as Error).message}`));

  if (result.outcome === 'stopped') {
    io.out(`  stopped on ${String(io.signal.reason ?? 'request')}: ${describeProgress(result.progress)}`);
    return PUBLISH_EXIT.DONE;
  }
  io.out(`  done: ${describeProgress(result.progress)}`);
  for (const fault of describeScenario(run).faults) {
    io.out(`  fault ${fault.profile}${fault.supplier ? ` (${fault.supplier})` : ''}: ${fault.injected ? `${fault.from?.slice(0, 10) ?? '-'} to ${fault.to?.slice(0, 10) ?? '-'}` : 'nothing to act on in this window'}`);
  }
  return PUBLISH_EXIT.DONE;
}

/**
 * The contract's schemas registered under each input topic's subject (TopicNameStrategy), as a producer of the
 * contract would register them; with bad-records, the widened dissemination schema too (a later version of the
 * subject, whose extra enum symbol the verifier never defaults).
 */
async function registerSchemas(settings: SchemaRegistrySettings, topics: KafkaPublishConfig['topics'], foreignPurpose: boolean): Promise<ConfluentSchemaIds> {
  const read = async (path: string | null, trim: boolean): Promise<string | null> => {
    if (path === null) return null;
    const text = await readFile(path, 'utf8');
    return trim ? text.replace(/\r?\n$/, '') : text;
  };
  const client = new SchemaRegistryClient({
    url: settings.url, username: settings.username, password: await read(settings.passwordFile, true), ca: await read(settings.caFile, false), timeoutMs: settings.timeoutMs,
  });
  try {
    const contract = {} as Record<StreamName, number>;
    for (const stream of STREAM_NAMES) contract[stream] = await client.schemaIdUnder(topicValueSubject(topics[stream]), streamSchemaJson(stream));
    const widened = foreignPurpose ? await client.schemaIdUnder(topicValueSubject(topics.ndsDisseminations), withForeignPurpose()) : null;
    return { contract, foreignPurpose: widened };
  } finally {
    client.close();
  }
}
