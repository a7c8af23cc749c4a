// The inputs of the live bench: a generated data set, a Kafka cluster (KAFKA_BROKERS, or a private librdkafka mock
// cluster), producing the data set to the four input topics, and the raw baseline (kafkajs consumption with avsc
// decoding of every value) that the service's rate is set against in the same run.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import avro from 'avsc';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { SingleObjectEncoder } from '../codec/single-object.js';
import { avroTypeFor } from '../codec/schema-catalog.js';
import { CONTRACT_STREAMS } from '../contract/streams.js';
import { STREAM_NAMES, type StreamName } from '../core/records.js';
import { COMPILED, packageFile } from '../package-root.js';
import { main as simulate } from '../simulator/main.js';
import { SeededRandom } from '../simulator/seeded-random.js';
import { TestNhsNumbers } from '../simulator/test-nhs-numbers.js';

export const DATA_FILES: { readonly [S in StreamName]: string } = {
  gpEvents: 'gp-events.avro', ndsReceived: 'nds-received.avro', ndsManifests: 'nds-manifests.avro', ndsDisseminations: 'nds-disseminations.avro',
};
const HEADER_SIZE = 10;

export interface Cluster {
  readonly brokers: string[];
  createTopic(name: string, partitions: number): Promise<void>;
  stop(): Promise<void>;
}

interface MockBroker {
  readonly bootstrapServers: string[];
  createTopic(name: string, partitions: number): Promise<void>;
  stop(): Promise<void>;
}

export async function kafkaCluster(brokers: readonly string[] | null, log: (line: string) => void): Promise<Cluster> {
  if (brokers !== null) {
    const admin = new Kafka({ clientId: 'optout-bench-admin', brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    return {
      brokers: [...brokers],
      createTopic: async (topic, numPartitions) => { await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true }); },
      stop: () => admin.disconnect(),
    };
  }
  // The integration tests' launcher of librdkafka's mock cluster: Kafka's protocol over TCP, no JVM. It is a
  // development file, not shipped in dist/, so it is loaded by path, and only when running from the sources.
  if (COMPILED) throw new Error('set KAFKA_BROKERS: without it the bench starts the test stack\'s mock broker, which only `npm run bench` (from the sources) can');
  const launcher = pathToFileURL(packageFile('test', 'stack', 'mock-kafka.ts')).href;
  const { startMockCluster } = (await import(launcher)) as { startMockCluster(options: { brokers: number }): Promise<MockBroker> };
  const mock = await startMockCluster({ brokers: 3 });
  log(`Kafka: librdkafka mock cluster at ${mock.bootstrapServers.join(',')} (KAFKA_BROKERS unset)`);
  return { brokers: mock.bootstrapServers, createTopic: (name, partitions) => mock.createTopic(name, partitions), stop: () => mock.stop() };
}

/** The data set of these simulator arguments in dir/name, generated unless it is there with the same arguments. */
export async function dataset(dir: string, name: string, args: readonly string[], regenerate: boolean, log: (line: string) => void): Promise<string> {
  const dataDir = join(dir, name);
  const stamp = join(dataDir, 'parameters.json');
  const wanted = JSON.stringify(args);
  if (!regenerate && (await readFile(stamp, 'utf8').catch(() => '')) === wanted) {
    log(`reusing the live data set in ${dataDir}`);
    return dataDir;
  }
  log(`generating the live data set in ${dataDir} (${args.join(' ')}) ...`);
  await mkdir(dataDir, { recursive: true });
  const code = await simulate([...args, '--out', dataDir, '--quiet']);
  if (code !== 0) throw new Error(`simulate exited ${code}`);
  await writeFile(stamp, wanted);
  return dataDir;
}

/** Streams each file's records to its topic, keyed as the contract says, single-object encoded with the file's schema. */
export async function produceDataset(producer: Producer, dataDir: string, topics: { readonly [S in StreamName]: string }): Promise<{ records: number; writerSchemas: object[] }> {
  let records = 0;
  const writerSchemas: object[] = [];
  for (const stream of STREAM_NAMES) {
    const path = join(dataDir, DATA_FILES[stream]);
    const schema = writerSchemaOf(path);
    writerSchemas.push(schema);
    const encoder = new SingleObjectEncoder(schema);
    let batch: { key: string; value: Buffer }[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const messages = batch;
      batch = [];
      await producer.send({ topic: topics[stream], acks: 1, messages });
    };
    const decoder = avro.createFileDecoder(path);
    for await (const record of decoder as AsyncIterable<Record<string, unknown>>) {
      batch.push({ key: String(record[CONTRACT_STREAMS[stream].keyField] ?? ''), value: encoder.encode(record) });
      records++;
      if (batch.length === 50_000) await flush();
    }
    await flush();
  }
  return { records, writerSchemas };
}

/** The writer schema an Avro container file carries in its header. */
function writerSchemaOf(path: string): object {
  const header = avro.extractFileHeader(path) as { meta: { 'avro.schema': Buffer | object } };
  const meta = header.meta['avro.schema'];
  return (Buffer.isBuffer(meta) ? JSON.parse(meta.toString('utf8')) : meta) as object;
}

/**
 * `count` GP events after the data set's, each like its first GP event but for its id, its patient (test-range NHS
 * numbers, as the simulator draws them) and its time (from `from`, a second apart). Produced to the GP events topic
 * with the data set's writer schema.
 */
export async function produceGpTail(producer: Producer, dataDir: string, topic: string, count: number, from: number, label = 'bench-tail'): Promise<void> {
  const path = join(dataDir, DATA_FILES.gpEvents);
  const encoder = new SingleObjectEncoder(writerSchemaOf(path));
  let template: Record<string, unknown> | null = null;
  for await (const record of avro.createFileDecoder(path) as AsyncIterable<Record<string, unknown>>) {
    template = record;
    break;
  }
  if (template === null) throw new Error(`${path} holds no GP event to model the tail on`);
  const numbers = new TestNhsNumbers(count, new SeededRandom(count, label));
  const messages = Array.from({ length: count }, (_, i) => {
    const nhsNumber = numbers.of(i);
    return { key: nhsNumber, value: encoder.encode({ ...template, eventId: `${label}-${i}`, nhsNumber, recordedAt: from + i * 1000 }) };
  });
  await producer.send({ topic, acks: 1, messages });
}

/** (a) kafkajs consumer group over the four topics, every value decoded with avsc; seconds from connect to the last record. */
export async function rawConsumption(brokers: readonly string[], topics: readonly string[], total: number): Promise<number> {
  const kafka = new Kafka({ clientId: 'optout-bench-raw', brokers: [...brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomBytes(4).toString('hex')}`, sessionTimeout: 6_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 200, allowAutoTopicCreation: false });
  const typeOf = new Map(STREAM_NAMES.map((s, i) => [topics[i]!, avroTypeFor(s)]));
  let seen = 0;
  let decoded = 0;
  const started = performance.now();
  let finished = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  await new Promise<void>((done) => {
    void consumer.run({
      autoCommit: true,
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        const type = typeOf.get(batch.topic)!;
        for (const message of batch.messages) {
          if (message.value !== null && message.value.length > HEADER_SIZE) {
            try {
              type.fromBuffer(message.value.subarray(HEADER_SIZE));
              decoded++;
            } catch {
              // a record another schema wrote: counted, as the service counts it
            }
          }
          seen++;
        }
        if (seen >= total && finished === 0) {
          finished = performance.now();
          done();
        }
      },
    });
  });
  await consumer.disconnect();
  void decoded;
  return (finished - started) / 1000;
}
