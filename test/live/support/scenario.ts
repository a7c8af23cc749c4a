// A simulated scenario as Kafka messages: the simulator writes the four Avro files (which the replay reads), and
// each record becomes a message with the contract's key and its value single-object encoded with the file's own
// writer schema (so a record the contract schema cannot hold stays unreadable, as in the files).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import avro from 'avsc';
import { SingleObjectEncoder } from '../../../services/codec/single-object.js';
import { STREAM_FIELDS, STREAM_NAMES, type StreamName } from '../../../services/core/records.js';
import { main as simulate } from '../../../services/simulator/main.js';

export const SCENARIO_FILES: { readonly [S in StreamName]: string } = {
  gpEvents: 'gp-events.avro', ndsReceived: 'nds-received.avro', ndsManifests: 'nds-manifests.avro', ndsDisseminations: 'nds-disseminations.avro',
};

export interface ScenarioMessage {
  readonly stream: StreamName;
  readonly key: string;
  readonly value: Buffer;
  /** The record's id and event time, when it has them (a malformed record may not). */
  readonly id: string | null;
  readonly eventTime: number | null;
  /** Position in the stream's file, 1-based. */
  readonly position: number;
}

export interface Scenario {
  readonly dir: string;
  readonly files: { readonly [S in StreamName]: string };
  readonly messages: readonly ScenarioMessage[];
  /** The files' writer schemas (one per stream): a deployment registers its producers' schemas with the service. */
  readonly writerSchemas: readonly object[];
  readonly writerSchemaByStream: ReadonlyMap<StreamName, object>;
}

const KEY_FIELD: { readonly [S in StreamName]: string } = { gpEvents: 'nhsNumber', ndsReceived: 'nhsNumber', ndsManifests: 'practiceOds', ndsDisseminations: 'nhsNumber' };

export async function simulateScenario(dir: string, args: readonly string[]): Promise<Scenario> {
  await mkdir(dir, { recursive: true });
  const code = await simulate(['--out', dir, '--quiet', ...args]);
  if (code !== 0) throw new Error(`simulate exited ${code}`);
  const files = Object.fromEntries(STREAM_NAMES.map((s) => [s, join(dir, SCENARIO_FILES[s])])) as { [S in StreamName]: string };
  const messages: ScenarioMessage[] = [];
  const writerSchemaByStream = new Map<StreamName, object>();
  for (const stream of STREAM_NAMES) {
    const read = await readAsMessages(stream, files[stream]);
    messages.push(...read.messages);
    writerSchemaByStream.set(stream, read.writerSchema);
  }
  return { dir, files, messages, writerSchemas: [...writerSchemaByStream.values()], writerSchemaByStream };
}

/** Writes the scenario's writer schemas as .avsc files into a directory, for WRITER_SCHEMAS_DIR. */
export async function writeWriterSchemas(scenario: Scenario, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await Promise.all(scenario.writerSchemas.map((schema, i) => writeFile(join(dir, `writer-${i}.avsc`), JSON.stringify(schema))));
  return dir;
}

async function readAsMessages(stream: StreamName, path: string): Promise<{ messages: ScenarioMessage[]; writerSchema: object }> {
  const header = avro.extractFileHeader(path) as { meta: { 'avro.schema': Buffer | object } } | null;
  if (!header) throw new Error(`${path} is not an Avro container file`);
  const meta = header.meta['avro.schema'];
  const writerSchema = (Buffer.isBuffer(meta) ? JSON.parse(meta.toString('utf8')) : meta) as object;
  const encoder = new SingleObjectEncoder(writerSchema);
  const records: Record<string, unknown>[] = await new Promise((resolve, reject) => {
    const out: Record<string, unknown>[] = [];
    avro.createFileDecoder(path).on('data', (r: Record<string, unknown>) => out.push(r)).on('end', () => resolve(out)).on('error', reject);
  });
  const spec = STREAM_FIELDS[stream];
  const messages = records.map((record, i) => ({
    stream,
    key: String(record[KEY_FIELD[stream]] ?? ''),
    value: encoder.encode(record),
    id: typeof record[spec.id] === 'string' ? (record[spec.id] as string) : null,
    eventTime: typeof record[spec.time] === 'number' ? (record[spec.time] as number) : null,
    position: i + 1,
  }));
  return { messages, writerSchema };
}

/** A seeded PRNG (mulberry32), so a failing order can be reproduced from the seed in the test name. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * The messages in a shuffled production order. Each is delayed by a random amount of event time up to
 * `maxDisorderMs` (Infinity: any order at all); records sharing an id keep their file order, because which of
 * them is first decides which one stays (the contract's order: file order in a replay, offset order live).
 */
export function shuffledOrder(messages: readonly ScenarioMessage[], maxDisorderMs: number, random: () => number): ScenarioMessage[] {
  const keyed = messages.map((m, i) => ({ m, i, at: Number.isFinite(maxDisorderMs) ? (m.eventTime ?? 0) + random() * maxDisorderMs : random() }));
  keyed.sort((a, b) => a.at - b.at || a.i - b.i);
  const order = keyed.map((k) => k.m);
  const groups = new Map<string, number[]>();
  order.forEach((m, position) => {
    if (m.id === null) return;
    const key = `${m.stream}|${m.id}`;
    const list = groups.get(key);
    if (list) list.push(position);
    else groups.set(key, [position]);
  });
  for (const positions of groups.values()) {
    if (positions.length < 2) continue;
    const members = positions.map((p) => order[p]!).sort((a, b) => a.position - b.position);
    positions.forEach((p, i) => { order[p] = members[i]!; });
  }
  return order;
}
