// `optout-verifier export` as a process against the test stack's broker: a simulated scenario with faults, produced
// over several partitions in a shuffled order (plus one message that is not Avro at all), is exported from the
// topics; the replay of the exported files gives the alerts of the replay of the simulator's own files, in Avro and
// in NDJSON, and two exports give byte-identical files. The range keeps exactly the records whose event time is in
// it; undecodable messages go to rejected.ndjson with their bytes and exit code 1; records produced after the export
// read its end offsets are not in it, while a producer keeps writing during the export. Confluent-framed values are
// read through the registry; a missing topic fails the export (exit 3), and so does SIGTERM, leaving nothing.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import { Kafka, Partitioners, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM_FIELDS, STREAM_NAMES, type StreamName } from '../../services/core/records.js';
import { streamValueEncoder } from '../../services/codec/stream-value-codec.js';
import { replayScenario } from '../live/support/alert-views.js';
import { inConfluentFormat } from '../live/support/confluent-scenario.js';
import { waitUntil } from '../live/support/live-harness.js';
import { seededRandom, shuffledOrder, simulateScenario, writeWriterSchemas, type Scenario, type ScenarioMessage } from '../live/support/scenario.js';
import { CLI_ENTRY, runCli, type CliRun } from '../stack/cli-entry.js';
import { captureKafkaLogs, testStack } from '../stack/test-context.js';

const PARTITIONS = 3;
const SCENARIO = ['--seed', '9', '--practices', '4', '--patients', '1500', '--days', '200', '--start', '2018-01-01', '--opt-outs-per-year', '0.5',
  '--disseminations-per-week', '2%', '--faults', 'systmone-2018,late-receipts,phantom-objections,unfiltered-release,bad-records,redeliveries'];
const FILES: { readonly [S in StreamName]: string } = {
  gpEvents: 'gp-events', ndsReceived: 'nds-received', ndsManifests: 'nds-manifests', ndsDisseminations: 'nds-disseminations',
};
const NOT_AVRO = Buffer.from('this is not an Avro value');
const NHS_NUMBER_LIKE = /(?<!\d)999\d{7}(?!\d)/;

type Topics = { readonly [S in StreamName]: string };

interface Manifest {
  readonly streams: { readonly [S in StreamName]: { topic: string; file: string; read: number; records: number; outsideRange: number; rejected: number; partitions: { partition: number; startOffset: number; endOffset: number }[] } };
  readonly rejected: { file: string; messages: number };
  readonly range: { from: string | null; to: string | null };
}

interface Rejected {
  readonly topic: string; readonly partition: number; readonly offset: number; readonly stream: string; readonly reason: string; readonly detail: string;
  readonly key: string | null; readonly value: string | null;
}

describe('optout-verifier export', () => {
  const stack = testStack();
  const logs = captureKafkaLogs();
  const kafka = new Kafka({ clientId: 'export-test', brokers: stack.brokers, logLevel: logs.logLevel, logCreator: logs.logCreator });
  let dir: string;
  let keyFile: string;
  let scenario: Scenario;
  let writerSchemasDir: string;
  let topics: Topics;
  let producer: Producer;

  async function newTopics(): Promise<Topics> {
    const made = {
      gpEvents: stack.uniqueName('gp.optout.events'), ndsReceived: stack.uniqueName('nds.objections.received'),
      ndsManifests: stack.uniqueName('nds.extracts.received'), ndsDisseminations: stack.uniqueName('nds.disseminations'),
    };
    await stack.createTopics(STREAM_NAMES.map((s) => made[s]), PARTITIONS);
    return made;
  }

  async function produce(to: Topics, messages: readonly ScenarioMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 500) {
      const byTopic = new Map<string, { key: string; value: Buffer }[]>();
      for (const m of messages.slice(i, i + 500)) {
        const list = byTopic.get(to[m.stream]) ?? [];
        list.push({ key: m.key, value: m.value });
        byTopic.set(to[m.stream], list);
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })) });
    }
  }

  const env = (to: Topics, extra: Record<string, string> = {}): Record<string, string> => ({
    KAFKA_BROKERS: stack.brokers.join(','), TOPIC_GP_EVENTS: to.gpEvents, TOPIC_NDS_RECEIVED: to.ndsReceived, TOPIC_NDS_MANIFESTS: to.ndsManifests,
    TOPIC_NDS_DISSEMINATIONS: to.ndsDisseminations, KAFKA_GROUP_ID: stack.uniqueName('export-test'), WRITER_SCHEMAS_DIR: writerSchemasDir,
    KAFKA_SESSION_TIMEOUT: '6s', KAFKA_HEARTBEAT_INTERVAL: '1s', KAFKA_FETCH_MAX_WAIT: '200ms', ALLOW_PLAINTEXT: 'true', ...extra,
  });

  const exportTo = (out: string, to: Topics, args: readonly string[] = []): Promise<CliRun> => runCli(['export', '--out', out, ...args], env(to));

  async function manifestOf(out: string): Promise<Manifest> {
    return JSON.parse(await readFile(join(out, 'export.json'), 'utf8')) as Manifest;
  }

  async function rejectedOf(out: string): Promise<Rejected[]> {
    const text = await readFile(join(out, 'rejected.ndjson'), 'utf8');
    return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Rejected);
  }

  /** The exported files as a scenario for replayScenario (its report goes in a folder of its own beside them). */
  async function exported(out: string, format: 'avro' | 'ndjson'): Promise<Scenario> {
    const files = Object.fromEntries(STREAM_NAMES.map((s) => [s, join(out, `${FILES[s]}.${format}`)])) as { [S in StreamName]: string };
    const reportDir = `${out}-report`;
    await mkdir(reportDir, { recursive: true });
    return { ...scenario, dir: reportDir, files };
  }

  async function idsIn(out: string, stream: StreamName, format: 'avro' | 'ndjson'): Promise<string[]> {
    const path = join(out, `${FILES[stream]}.${format}`);
    const id = STREAM_FIELDS[stream].id;
    if (format === 'ndjson') return (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as Record<string, string>)[id]!);
    return new Promise((resolve, reject) => {
      const ids: string[] = [];
      avro.createFileDecoder(path).on('data', (r: Record<string, string>) => ids.push(r[id]!)).on('end', () => resolve(ids)).on('error', reject);
    });
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'optout-export-'));
    keyFile = join(dir, 'pseudonym.key');
    await writeFile(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    scenario = await simulateScenario(join(dir, 'scenario'), SCENARIO);
    writerSchemasDir = await writeWriterSchemas(scenario, join(dir, 'writer-schemas'));
    producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    topics = await newTopics();
    await produce(topics, shuffledOrder(scenario.messages, 5 * 86_400_000, seededRandom(3)));
    await producer.send({ topic: topics.gpEvents, acks: -1, messages: [{ key: 'not-a-record', value: NOT_AVRO }] });
  });

  afterAll(async () => {
    await producer.disconnect();
  });

  it('exports files whose replay gives the alerts of the replay of the simulator\'s files, the same bytes every time', async () => {
    const fromSimulator = await replayScenario(scenario, keyFile);
    expect(fromSimulator.alerts.length).toBeGreaterThan(50);

    const out = join(dir, 'export-avro');
    const run = await exportTo(out, topics);
    // The foreign purpose symbols of bad-records and the message that is not Avro are rejected: exit code 1.
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toBe('');
    const manifest = await manifestOf(out);
    const rejected = await rejectedOf(out);
    expect(manifest.rejected.messages).toBe(rejected.length);
    expect(run.stderr).toContain(`${rejected.length} message(s) could not be exported: see rejected.ndjson`);
    const notAvro = rejected.filter((r) => r.value === NOT_AVRO.toString('base64'));
    expect(notAvro).toEqual([expect.objectContaining({ topic: topics.gpEvents, stream: 'gpEvents', reason: 'UNDECODABLE', key: Buffer.from('not-a-record').toString('base64') })]);
    const foreign = rejected.filter((r) => r !== notAvro[0]);
    expect(foreign.length).toBe(fromSimulator.report.deadLetters.byReason.UNDECODABLE);
    expect(foreign.every((r) => r.stream === 'ndsDisseminations' && r.detail === 'enum symbol not known to the reader in field purpose')).toBe(true);
    expect(manifest.streams.gpEvents.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    for (const stream of STREAM_NAMES) {
      const produced = scenario.messages.filter((m) => m.stream === stream).length + (stream === 'gpEvents' ? 1 : 0);
      expect(manifest.streams[stream].read, stream).toBe(produced);
      expect(manifest.streams[stream].partitions.reduce((n, p) => n + p.endOffset - p.startOffset, 0), stream).toBe(produced);
      expect(manifest.streams[stream].records + manifest.streams[stream].rejected, stream).toBe(produced);
    }
    // export.json holds counts and offsets, not records; the summary says nothing of a patient.
    expect(await readFile(join(out, 'export.json'), 'utf8')).not.toMatch(NHS_NUMBER_LIKE);
    expect(run.stderr).not.toMatch(NHS_NUMBER_LIKE);

    const fromExport = await replayScenario(await exported(out, 'avro'), keyFile);
    expect(fromExport.alerts).toEqual(fromSimulator.alerts);
    expect(fromExport.asOf).toBe(fromSimulator.asOf);
    // Every dead letter but the rejected ones is the replay's again: invalid NHS numbers, unknown codes, bad manifests.
    expect(fromExport.report.deadLetters.byReason).toEqual({ ...fromSimulator.report.deadLetters.byReason, UNDECODABLE: 0 });
    expect(fromExport.report.duplicates.byInput).toEqual(fromSimulator.report.duplicates.byInput);

    // Each stream in (partition, offset) order, whatever order the partitions were fetched in: byte-identical again.
    const again = join(dir, 'export-avro-again');
    expect((await exportTo(again, topics)).code).toBe(1);
    for (const name of [...STREAM_NAMES.map((s) => `${FILES[s]}.avro`), 'rejected.ndjson', 'export.json']) {
      expect((await readFile(join(again, name))).equals(await readFile(join(out, name))), name).toBe(true);
    }
    expect((await readdir(again)).sort()).toEqual([...STREAM_NAMES.map((s) => `${FILES[s]}.avro`), 'export.json', 'rejected.ndjson'].sort());

    const ndjson = join(dir, 'export-ndjson');
    expect((await exportTo(ndjson, topics, ['--format', 'ndjson'])).code).toBe(1);
    const fromNdjson = await replayScenario(await exported(ndjson, 'ndjson'), keyFile);
    expect(fromNdjson.alerts).toEqual(fromSimulator.alerts);
    for (const stream of STREAM_NAMES) expect(await idsIn(ndjson, stream, 'ndjson'), stream).toEqual(await idsIn(out, stream, 'avro'));
  });

  it('keeps exactly the records whose event time is in [--from, --to), by each stream\'s event-time field', async () => {
    const from = '2018-03-01';
    const to = '2018-05-01T00:00:00Z';
    const fromMs = Date.UTC(2018, 2, 1);
    const toMs = Date.UTC(2018, 4, 1);
    const out = join(dir, 'export-range');
    const run = await exportTo(out, topics, ['--from', from, '--to', to, '--format', 'ndjson']);
    expect(run.code, run.stderr).toBe(1);
    const manifest = await manifestOf(out);
    expect(manifest.range).toMatchObject({ from: '2018-03-01T00:00:00.000Z', to: '2018-05-01T00:00:00.000Z' });
    const rejected = await rejectedOf(out);
    const rejectedValues = new Set(rejected.map((r) => r.value));
    for (const stream of STREAM_NAMES) {
      const decodable = scenario.messages.filter((m) => m.stream === stream && m.id !== null && m.eventTime !== null);
      const inside = decodable.filter((m) => m.eventTime! >= fromMs && m.eventTime! < toMs);
      expect(inside.length, stream).toBeGreaterThan(0);
      expect(inside.length, stream).toBeLessThan(decodable.length);
      // A redelivery is in the topic twice, and so in the file; a rejected record (a foreign symbol) is not in it.
      const expected = inside.filter((m) => !rejectedValues.has(m.value.toString('base64'))).map((m) => m.id!).sort();
      expect((await idsIn(out, stream, 'ndjson')).sort(), stream).toEqual(expected);
      expect(manifest.streams[stream].records, stream).toBe(expected.length);
      expect(manifest.streams[stream].records + manifest.streams[stream].outsideRange + manifest.streams[stream].rejected, stream).toBe(manifest.streams[stream].read);
    }
    expect(manifest.rejected.messages).toBe(rejected.length);
    // The message that is not Avro has no event time: it is listed whatever the range.
    expect(rejected.some((r) => r.value === NOT_AVRO.toString('base64'))).toBe(true);
  });

  it('stops at the end offsets it read at the start while a producer keeps writing', async () => {
    const own = await newTopics();
    const initial = scenario.messages;
    await produce(own, initial);
    const out = join(dir, 'export-moving');
    const encode = streamValueEncoder('gpEvents');
    const late: { id: string; partition: number; offset: number; sentBeforeExit: boolean }[] = [];
    const child = spawn(process.execPath, [...CLI_ENTRY, 'export', '--out', out], { env: { PATH: process.env.PATH ?? '', ...env(own) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    let exited = false;
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => { exited = true; resolve(code); }));
    for (let i = 0; !exited; i++) {
      const id = `late-${i}`;
      const record = { eventId: id, nhsNumber: '9990000018', practiceOds: 'A81001', supplier: 'EMIS', code: '827241000000103', recordedAt: Date.UTC(2018, 5, 1) };
      const [meta] = await producer.send({ topic: own.gpEvents, acks: -1, messages: [{ key: record.nhsNumber, value: encode(record) }] });
      late.push({ id, partition: meta!.partition, offset: Number(meta!.baseOffset), sentBeforeExit: !exited });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const code = await exit;
    expect(code, stderr).toBe(1);
    const manifest = await manifestOf(out);
    const endOf = new Map(manifest.streams.gpEvents.partitions.map((p) => [p.partition, p.endOffset]));
    const exportedIds = new Set(await idsIn(out, 'gpEvents', 'avro'));
    const before = late.filter((l) => l.offset < endOf.get(l.partition)!);
    const after = late.filter((l) => l.offset >= endOf.get(l.partition)!);
    // Production went on while the export ran: records were written past its end offsets before it exited.
    expect(after.filter((l) => l.sentBeforeExit).length).toBeGreaterThan(0);
    expect(after.filter((l) => exportedIds.has(l.id))).toEqual([]);
    expect(before.filter((l) => !exportedIds.has(l.id))).toEqual([]);
    const initialGp = initial.filter((m) => m.stream === 'gpEvents').length;
    expect(manifest.streams.gpEvents.read).toBe(initialGp + before.length);
  });

  it('reads Confluent-framed values with their writer schemas from the registry, as run does, to the same files', async () => {
    const own = await newTopics();
    await produce(own, await inConfluentFormat(scenario, stack.schemaRegistryUrl, own));
    const out = join(dir, 'export-confluent');
    const run = await runCli(['export', '--out', out], env(own, { VALUE_ENCODING: 'confluent', SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl, WRITER_SCHEMAS_DIR: '' }));
    expect(run.code, run.stderr).toBe(1);
    // The Avro bodies are the single-object ones: the records exported are those of the single-object export.
    const single = join(dir, 'export-single-object');
    expect((await exportTo(single, topics)).code).toBe(1);
    for (const stream of STREAM_NAMES) expect((await idsIn(out, stream, 'avro')).sort(), stream).toEqual((await idsIn(single, stream, 'avro')).sort());
    const rejected = await rejectedOf(out);
    expect(rejected.map((r) => r.detail)).toEqual(rejected.map(() => 'enum symbol not known to the reader in field purpose'));
    const fromSimulator = await replayScenario(scenario, keyFile);
    expect((await replayScenario(await exported(out, 'avro'), keyFile)).alerts).toEqual(fromSimulator.alerts);
  });

  it('fails with exit code 3 and leaves nothing when an input topic is missing', async () => {
    const out = join(dir, 'export-missing');
    const missing = stack.uniqueName('nds.disseminations.missing');
    const run = await runCli(['export', '--out', out], env({ ...topics, ndsDisseminations: missing }));
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain(`topics missing: ${missing}`);
    expect(await readdir(out).catch(() => [])).toEqual([]);
  });

  it('stops on SIGTERM while reading: exit code 3, and nothing left in the folder', async () => {
    const out = join(dir, 'export-stopped');
    const child = spawn(process.execPath, [...CLI_ENTRY, 'export', '--out', out], { env: { PATH: process.env.PATH ?? '', ...env(topics) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The work folder appears once the end offsets are read, before the consumer group is joined.
    await waitUntil('the export to have begun', async () => (await readdir(out).catch(() => [])).some((name) => name.startsWith('.export-')), 30_000, 20);
    child.kill('SIGTERM');
    expect(await exit, stderr).toBe(3);
    expect(stderr).toContain('stopped by SIGTERM, nothing exported');
    expect(await readdir(out)).toEqual([]);
  });

  it('--help prints usage and touches nothing; a folder that is not empty is refused without --force', async () => {
    const out = join(dir, 'never-made');
    const help = await runCli(['export', '--help', '--out', out], { PATH: process.env.PATH ?? '' });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: optout-verifier export');
    expect(help.stdout).toContain('Exit codes:');
    await expect(readdir(out)).rejects.toThrow();

    await writeFile(join(dir, 'placeholder'), '');
    const refused = await runCli(['export', '--out', dir], env(topics));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is not empty');

    const bad = await runCli(['export', '--out', out, '--from', '2018-05-01', '--to', '2018-03-01'], env(topics));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--from must be before --to');
  });
});
