// `optout-verifier simulate --publish kafka` as a process against the test stack's broker: it publishes the
// SystmOne 2018 scenario to the four input topics, and what a consumer reads back is the scenario the same flags
// write to files (same records, counts per topic, contract keys, values that decode with the contract schema, each
// partition in generation order). It never creates a topic, and it stops cleanly on SIGTERM with a summary of what
// it sent. Its output carries no NHS number.
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, type Consumer } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfluentDecoder } from '../../services/codec/confluent-decoder.js';
import { streamSchemaJson } from '../../services/codec/schema-catalog.js';
import { streamValueDecoder } from '../../services/codec/stream-value-codec.js';
import { topicValueSubject } from '../../services/schema-registry/registry-settings.js';
import { withForeignPurpose } from '../../services/simulator/scenario-files.js';
import { registryClient } from '../live/support/confluent-scenario.js';
import { STREAM_NAMES, type StreamName } from '../../services/core/records.js';
import { waitUntil } from '../live/support/live-harness.js';
import { simulateScenario } from '../live/support/scenario.js';
import { captureKafkaLogs, testConsumerTimings, testStack } from '../stack/test-context.js';
import { repoRoot } from './ops-files.js';
import { CLI_ENTRY } from '../stack/cli-entry.js';

const PARTITIONS = 3;
const SCENARIO = ['--seed', '5', '--practices', '4', '--patients', '1200', '--days', '90', '--start', '2018-01-01', '--opt-outs-per-year', '0.3',
  '--disseminations-per-week', '3%', '--faults', 'systmone-2018'];
const TOPIC_FLAG: { readonly [S in StreamName]: string } = {
  gpEvents: '--topic-gp-events', ndsReceived: '--topic-nds-received', ndsManifests: '--topic-nds-manifests', ndsDisseminations: '--topic-nds-disseminations',
};
const NHS_NUMBER_LIKE = /(?<!\d)999\d{7}(?!\d)/;

interface Simulator {
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

function startSimulator(args: readonly string[], env: Record<string, string>): Simulator {
  const child = spawn(process.execPath, [...CLI_ENTRY, 'simulate', ...args], {
    cwd: repoRoot, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString('utf8'); });
  child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString('utf8'); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { stdout: () => out, stderr: () => err, exited, kill: (signal) => child.kill(signal) };
}

interface ReadBack {
  readonly stream: StreamName;
  readonly partition: number;
  readonly offset: number;
  readonly key: string;
  readonly value: Buffer;
}

describe('simulate --publish kafka', () => {
  const stack = testStack();
  const logs = captureKafkaLogs();
  const kafka = new Kafka({ clientId: 'simulator-publish-test', brokers: stack.brokers, logLevel: logs.logLevel, logCreator: logs.logCreator });
  const consumers: Consumer[] = [];
  const running: Simulator[] = [];

  afterEach(async () => {
    for (const simulator of running.splice(0)) simulator.kill('SIGKILL');
    await Promise.all(consumers.splice(0).map((c) => c.disconnect()));
  });

  async function inputTopics(): Promise<{ readonly [S in StreamName]: string }> {
    const topics = {
      gpEvents: stack.uniqueName('gp.optout.events'), ndsReceived: stack.uniqueName('nds.objections.received'),
      ndsManifests: stack.uniqueName('nds.extracts.received'), ndsDisseminations: stack.uniqueName('nds.disseminations'),
    };
    await stack.createTopics(STREAM_NAMES.map((s) => topics[s]), PARTITIONS);
    return topics;
  }

  const topicArgs = (topics: { readonly [S in StreamName]: string }) => STREAM_NAMES.flatMap((s) => [TOPIC_FLAG[s], topics[s]]);

  async function readBack(topics: { readonly [S in StreamName]: string }, expected: number): Promise<ReadBack[]> {
    const streamOf = new Map<string, StreamName>(STREAM_NAMES.map((s) => [topics[s], s]));
    const read: ReadBack[] = [];
    const consumer = kafka.consumer({ groupId: stack.uniqueName('publish-reader'), ...testConsumerTimings, allowAutoTopicCreation: false });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: STREAM_NAMES.map((s) => topics[s]), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        read.push({ stream: streamOf.get(topic)!, partition, offset: Number(message.offset), key: message.key?.toString('utf8') ?? '', value: message.value ?? Buffer.alloc(0) });
      },
    });
    await waitUntil(`${expected} messages read back (have ${read.length})`, async () => read.length >= expected, 60_000);
    return read;
  }

  async function endOffsets(topics: { readonly [S in StreamName]: string }): Promise<Record<StreamName, number>> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const out = {} as Record<StreamName, number>;
      for (const stream of STREAM_NAMES) {
        const offsets = await admin.fetchTopicOffsets(topics[stream]);
        out[stream] = offsets.reduce((n, p) => n + Number(p.high), 0);
      }
      return out;
    } finally {
      await admin.disconnect();
    }
  }

  it('publishes the scenario the same flags write to files: counts per topic, keys, decodable values, generation order per partition', async () => {
    const topics = await inputTopics();
    const dir = await mkdtemp(join(tmpdir(), 'optout-publish-'));
    const files = await simulateScenario(join(dir, 'files'), SCENARIO);
    const fileCounts = Object.fromEntries(STREAM_NAMES.map((s) => [s, files.messages.filter((m) => m.stream === s).length]));
    expect(fileCounts.gpEvents).toBeGreaterThan(50);
    expect(fileCounts.ndsDisseminations).toBeGreaterThan(100);

    // KAFKA_BROKERS stands in for --brokers, as in docker-compose.yml.
    const simulator = startSimulator([...SCENARIO, '--publish', 'kafka', '--pace', '20000/s', ...topicArgs(topics)], { KAFKA_BROKERS: stack.brokers.join(',') });
    running.push(simulator);
    expect(await simulator.exited, simulator.stderr()).toBe(0);

    const read = await readBack(topics, files.messages.length);
    const readCounts = Object.fromEntries(STREAM_NAMES.map((s) => [s, read.filter((m) => m.stream === s).length]));
    expect(readCounts).toEqual(fileCounts);
    expect(await endOffsets(topics)).toEqual(fileCounts);

    for (const stream of STREAM_NAMES) {
      const decoder = streamValueDecoder(stream);
      const expectedInOrder = files.messages.filter((m) => m.stream === stream);
      const positionOf = new Map(expectedInOrder.map((m) => [m.id, m.position]));
      const published = read.filter((m) => m.stream === stream);
      const decoded = published.map((m) => ({ message: m, result: decoder.decode(m.value) }));
      expect(decoded.filter((d) => !d.result.ok), stream).toEqual([]);
      // Each record once, with the key and value a producer of the contract writes (the file's bytes).
      const idField = { gpEvents: 'eventId', ndsReceived: 'receiptId', ndsManifests: 'extractId', ndsDisseminations: 'disseminationId' }[stream];
      const ids = decoded.map((d) => (d.result.ok ? String(d.result.fields[idField]) : ''));
      expect(new Set(ids).size, stream).toBe(published.length);
      const byId = new Map(expectedInOrder.map((m) => [m.id, m]));
      for (const [i, d] of decoded.entries()) {
        const original = byId.get(ids[i]!);
        expect(original, `${stream} ${ids[i]}`).toBeDefined();
        expect(d.message.key).toBe(original!.key);
        expect(d.message.value.equals(original!.value), `${stream} ${ids[i]}`).toBe(true);
      }
      // Within each partition, offsets follow the order the generator made the records in (file positions).
      const placed = decoded.map((d, i) => ({ partition: d.message.partition, offset: d.message.offset, position: positionOf.get(ids[i]!)! }));
      for (let partition = 0; partition < PARTITIONS; partition++) {
        const positions = placed.filter((p) => p.partition === partition).sort((a, b) => a.offset - b.offset).map((p) => p.position);
        expect(positions.every((p, i) => i === 0 || p > positions[i - 1]!), `${stream} partition ${partition}`).toBe(true);
      }
    }

    const out = simulator.stdout();
    expect(out).toContain(`done: published ${files.messages.length.toLocaleString('en-GB')} records`);
    expect(out).toMatch(/fault systmone-2018 \(TPP\): 2018-01-01/);
    expect(`${out}${simulator.stderr()}`).not.toMatch(NHS_NUMBER_LIKE);
  });

  it('publishes in the Confluent wire format, the contract\'s schemas registered under each topic\'s subject', async () => {
    const topics = await inputTopics();
    const dir = await mkdtemp(join(tmpdir(), 'optout-publish-'));
    const args = [...SCENARIO.slice(0, -1), 'systmone-2018,bad-records'];
    const files = await simulateScenario(join(dir, 'files'), args);
    const simulator = startSimulator([...args, '--publish', 'kafka', '--pace', '20000/s', '--value-encoding', 'confluent', ...topicArgs(topics)],
      { KAFKA_BROKERS: stack.brokers.join(','), SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl });
    running.push(simulator);
    expect(await simulator.exited, simulator.stderr()).toBe(0);
    const read = await readBack(topics, files.messages.length);

    const registry = registryClient(stack.schemaRegistryUrl);
    try {
      const contractIds = new Map<StreamName, number>();
      for (const stream of STREAM_NAMES) contractIds.set(stream, await registry.schemaIdUnder(topicValueSubject(topics[stream]), streamSchemaJson(stream)));
      const foreignId = await registry.schemaIdUnder(topicValueSubject(topics.ndsDisseminations), withForeignPurpose());
      expect(simulator.stdout()).toContain(`${topicValueSubject(topics.gpEvents)} id ${contractIds.get('gpEvents')}`);
      let undecodable = 0;
      for (const stream of STREAM_NAMES) {
        const decoder = new ConfluentDecoder(streamSchemaJson(stream), registry);
        const published = read.filter((m) => m.stream === stream);
        expect(published.length, stream).toBe(files.messages.filter((m) => m.stream === stream).length);
        await decoder.fetchWriterSchemas(decoder.writerSchemasToFetch(published.map((m) => m.value)));
        const fileBodies = new Set(files.messages.filter((m) => m.stream === stream).map((m) => m.value.subarray(10).toString('base64')));
        for (const m of published) {
          expect(m.value[0]).toBe(0);
          const id = m.value.readUInt32BE(1);
          expect([contractIds.get(stream), ...(stream === 'ndsDisseminations' ? [foreignId] : [])]).toContain(id);
          // The Avro body is the file's: only the framing differs.
          expect(fileBodies.has(m.value.subarray(5).toString('base64')), stream).toBe(true);
          const result = decoder.decode(m.value);
          if (!result.ok) {
            undecodable++;
            expect(result.detail).toBe('enum symbol not known to the reader in field purpose');
            expect(id).toBe(foreignId);
          }
        }
      }
      expect(undecodable).toBeGreaterThan(0);
    } finally {
      registry.close();
    }
    expect(`${simulator.stdout()}${simulator.stderr()}`).not.toMatch(NHS_NUMBER_LIKE);
  });

  it('never creates a topic: a missing one stops it before anything is sent, with exit code 3', async () => {
    const topics = await inputTopics();
    const missing = stack.uniqueName('nds.disseminations.missing');
    const simulator = startSimulator([...SCENARIO, '--publish', 'kafka', '--brokers', stack.brokers.join(','), ...topicArgs({ ...topics, ndsDisseminations: missing })], {});
    running.push(simulator);
    expect(await simulator.exited).toBe(3);
    expect(simulator.stderr()).toContain(`topic(s) missing: ${missing}`);
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).not.toContain(missing);
    } finally {
      await admin.disconnect();
    }
    expect(await endOffsets(topics)).toEqual({ gpEvents: 0, ndsReceived: 0, ndsManifests: 0, ndsDisseminations: 0 });
  });

  it('stops on SIGTERM: exit code 0, and the summary counts exactly what the topics hold', async () => {
    const topics = await inputTopics();
    // The default scenario (20 practices, about four years) at 100/s would take over an hour.
    const simulator = startSimulator(['--faults', 'systmone-2018', '--publish', 'kafka', '--pace', '100/s', ...topicArgs(topics)], { KAFKA_BROKERS: stack.brokers.join(',') });
    running.push(simulator);
    await waitUntil('the simulator to have published something', async () => {
      const offsets = await endOffsets(topics);
      return STREAM_NAMES.reduce((n, s) => n + offsets[s], 0) >= 50;
    }, 30_000);
    simulator.kill('SIGTERM');
    expect(await simulator.exited, simulator.stderr()).toBe(0);

    const summary = /stopped on SIGTERM: published ([\d,]+) records \(gp events ([\d,]+), receipts ([\d,]+), manifests ([\d,]+), disseminations ([\d,]+)\)/.exec(simulator.stdout());
    expect(summary, simulator.stdout()).not.toBeNull();
    const [total, ...perStream] = summary!.slice(1).map((x) => Number(x.replaceAll(',', '')));
    const offsets = await endOffsets(topics);
    expect(perStream).toEqual(STREAM_NAMES.map((s) => offsets[s]));
    expect(total).toBe(perStream.reduce((a, b) => a + b, 0));
    expect(total).toBeLessThan(20_000);
    expect(simulator.stdout()).not.toMatch(NHS_NUMBER_LIKE);
  });
});
