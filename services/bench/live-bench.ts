// The live part of `npm run bench`: a generated data set of over a million records produced to the four input
// topics, then, in the same run, (a) raw kafkajs consumption of those topics with avsc decoding of every value,
// and (b) the live service from start to its final committed offset (and on to its last decision). Printed:
// events/s of both, the ratio, and the time from a timer's due stream time to its alert on the alerts topic.
// Figures are printed, never asserted. Kafka: KAFKA_BROKERS, or a private librdkafka mock cluster; PostgreSQL:
// DATABASE_URL, or the local server; every run uses topics, a group and a schema of its own.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import avro from 'avsc';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import pg from 'pg';
import { destination, pino } from 'pino';
import { Registry } from 'prom-client';
import { AlertValueDecoder } from '../codec/alert-codec.js';
import { SingleObjectEncoder } from '../codec/single-object.js';
import { avroTypeFor } from '../codec/schema-catalog.js';
import { CONTRACT_STREAMS } from '../contract/streams.js';
import { summariseLatency } from '../core/latency-summary.js';
import { STREAM_NAMES, type StreamName } from '../core/records.js';
import { parseLiveConfig } from '../live/config.js';
import { readDeploymentFiles } from '../live/deployment-files.js';
import { startLiveService } from '../live/live-service.js';
import { migrate } from '../live/store/migration-runner.js';
import { COMPILED, packageFile } from '../package-root.js';
import { main as simulate } from '../simulator/main.js';

// About 0.88M manifests (640 practices, daily, 1369 days), 0.39M release lines (2,000 a week) and some 20,000 GP
// events and receipts: 1.3 million records, most of them on the manifests topic, as nationally.
const DATASET = ['--seed', '4242', '--practices', '640', '--patients', '150000', '--days', '1369', '--disseminations-per-week', '2000',
  '--faults', 'systmone-2018,late-receipts,phantom-objections,bad-records,redeliveries'];
const FILES: { readonly [S in StreamName]: string } = {
  gpEvents: 'gp-events.avro', ndsReceived: 'nds-received.avro', ndsManifests: 'nds-manifests.avro', ndsDisseminations: 'nds-disseminations.avro',
};
// librdkafka's mock cluster keeps about 5 MB per partition and drops the oldest records beyond that: enough
// partitions that no record is dropped (checked after producing), as a national deployment would have.
const PARTITIONS: { readonly [S in StreamName]: number } = { gpEvents: 4, ndsReceived: 4, ndsManifests: 32, ndsDisseminations: 16 };
const HEADER_SIZE = 10;

export interface LiveBenchOptions {
  readonly dir: string;
  readonly brokers: readonly string[] | null;
  readonly databaseUrl: string;
  readonly regenerate: boolean;
}

export interface LiveBenchResult {
  readonly records: number;
  readonly rawRate: number;
  readonly serviceRate: number;
  readonly ratio: number;
  readonly decidedSeconds: number;
  readonly dueToAlert: ReturnType<typeof summariseLatency>;
  /** A second instance started on the finished schema: decider start to engine ready, in seconds. */
  readonly takeoverSeconds: number;
  /** Bytes of the whole schema (tables, indexes, TOAST) per record read, once everything is decided. */
  readonly schemaBytesPerRecord: number;
}

interface Cluster {
  readonly brokers: string[];
  createTopic(name: string, partitions: number): Promise<void>;
  stop(): Promise<void>;
}

interface MockBroker {
  readonly bootstrapServers: string[];
  createTopic(name: string, partitions: number): Promise<void>;
  stop(): Promise<void>;
}

async function kafkaCluster(brokers: readonly string[] | null, log: (line: string) => void): Promise<Cluster> {
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

async function dataset(dir: string, regenerate: boolean, log: (line: string) => void): Promise<string> {
  const dataDir = join(dir, 'live-dataset');
  const stamp = join(dataDir, 'parameters.json');
  const wanted = JSON.stringify(DATASET);
  if (!regenerate && (await readFile(stamp, 'utf8').catch(() => '')) === wanted) {
    log(`reusing the live data set in ${dataDir}`);
    return dataDir;
  }
  log(`generating the live data set in ${dataDir} (${DATASET.join(' ')}) ...`);
  await mkdir(dataDir, { recursive: true });
  const code = await simulate([...DATASET, '--out', dataDir, '--quiet']);
  if (code !== 0) throw new Error(`simulate exited ${code}`);
  await writeFile(stamp, wanted);
  return dataDir;
}

/** Streams each file's records to its topic, keyed as the contract says, single-object encoded with the file's schema. */
async function produceDataset(producer: Producer, dataDir: string, topics: { readonly [S in StreamName]: string }): Promise<{ records: number; writerSchemas: object[] }> {
  let records = 0;
  const writerSchemas: object[] = [];
  for (const stream of STREAM_NAMES) {
    const path = join(dataDir, FILES[stream]);
    const header = avro.extractFileHeader(path) as { meta: { 'avro.schema': Buffer | object } };
    const meta = header.meta['avro.schema'];
    const schema = (Buffer.isBuffer(meta) ? JSON.parse(meta.toString('utf8')) : meta) as object;
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

/** (a) kafkajs consumer group over the four topics, every value decoded with avsc; seconds from connect to the last record. */
async function rawConsumption(brokers: readonly string[], topics: readonly string[], total: number): Promise<number> {
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

export async function benchLive(options: LiveBenchOptions, log: (line: string) => void): Promise<LiveBenchResult> {
  const dataDir = await dataset(options.dir, options.regenerate, log);
  const cluster = await kafkaCluster(options.brokers, log);
  const suffix = randomBytes(4).toString('hex');
  const topics = {
    gpEvents: `bench.gp.optout.events.${suffix}`, ndsReceived: `bench.nds.objections.received.${suffix}`, ndsManifests: `bench.nds.extracts.received.${suffix}`,
    ndsDisseminations: `bench.nds.disseminations.${suffix}`, alerts: `bench.optout.alerts.${suffix}`, deadLetter: `bench.optout.deadletter.${suffix}`,
  };
  const schema = `bench_live_${suffix}`;
  const admin = new pg.Client({ connectionString: options.databaseUrl });
  await admin.connect();
  try {
    for (const stream of STREAM_NAMES) await cluster.createTopic(topics[stream], PARTITIONS[stream]);
    await cluster.createTopic(topics.alerts, 4);
    await cluster.createTopic(topics.deadLetter, 1);
    const kafka = new Kafka({ clientId: 'optout-bench', brokers: cluster.brokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    log(`producing the data set (partitions: ${STREAM_NAMES.map((s) => `${s} ${PARTITIONS[s]}`).join(', ')}) ...`);
    const producing = performance.now();
    const { records, writerSchemas } = await produceDataset(producer, dataDir, topics);
    await producer.disconnect();
    log(`  ${records.toLocaleString('en-GB')} records produced in ${((performance.now() - producing) / 1000).toFixed(1)} s`);
    const offsetsAdmin = kafka.admin();
    await offsetsAdmin.connect();
    for (const stream of STREAM_NAMES) {
      const dropped = (await offsetsAdmin.fetchTopicOffsets(topics[stream])).filter((p) => p.low !== '0');
      if (dropped.length > 0) throw new Error(`the broker dropped the oldest records of ${topics[stream]} (partitions ${dropped.map((p) => p.partition).join(', ')}): give it more partitions or more retention`);
    }
    await offsetsAdmin.disconnect();

    log('(a) raw kafkajs consumption with avsc decoding ...');
    const inputTopics = STREAM_NAMES.map((s) => topics[s]);
    const rawSeconds = await rawConsumption(cluster.brokers, inputTopics, records);
    const rawRate = records / rawSeconds;
    log(`  ${records.toLocaleString('en-GB')} records in ${rawSeconds.toFixed(1)} s = ${Math.round(rawRate).toLocaleString('en-GB')} events/s`);

    log('(b) optout-verifier run, from start to its final committed offset ...');
    await migrate(options.databaseUrl, schema);
    const schemasDir = join(options.dir, `writer-schemas-${suffix}`);
    await mkdir(schemasDir, { recursive: true });
    await Promise.all(writerSchemas.map((s, i) => writeFile(join(schemasDir, `writer-${i}.avsc`), JSON.stringify(s))));
    const keyFile = join(options.dir, `pseudonym-${suffix}.key`);
    await writeFile(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
    const parsed = parseLiveConfig([], {
      KAFKA_BROKERS: cluster.brokers.join(','), KAFKA_GROUP_ID: `bench-live-${suffix}`, DATABASE_URL: options.databaseUrl, DB_SCHEMA: schema,
      TOPIC_GP_EVENTS: topics.gpEvents, TOPIC_NDS_RECEIVED: topics.ndsReceived, TOPIC_NDS_MANIFESTS: topics.ndsManifests,
      TOPIC_NDS_DISSEMINATIONS: topics.ndsDisseminations, TOPIC_ALERTS: topics.alerts, TOPIC_DEADLETTER: topics.deadLetter,
      PSEUDONYM_KEY_FILE: keyFile, WRITER_SCHEMAS_DIR: schemasDir, METRICS_PORT: '0', ALLOWED_LATENESS: '7d', IDLE_TIMEOUT: '2s', DB_POOL_SIZE: '10',
      KAFKA_SESSION_TIMEOUT: '6s', KAFKA_HEARTBEAT_INTERVAL: '1s', KAFKA_FETCH_MAX_WAIT: '200ms',
      // The bench runs against servers on this machine (a mock cluster without TLS, the local PostgreSQL).
      ALLOW_PLAINTEXT: 'true',
    });
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    const files = await readDeploymentFiles(parsed.config);
    if (!files.ok) throw new Error(files.problems.join('; '));

    // The alerts topic is read while the service runs: each timer-driven change's publish time minus decided-at.
    const delays: number[] = [];
    const decoder = new AlertValueDecoder();
    const alertsConsumer = kafka.consumer({ groupId: `bench-alerts-${suffix}`, sessionTimeout: 6_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 100 });
    await alertsConsumer.connect();
    await alertsConsumer.subscribe({ topic: topics.alerts, fromBeginning: true });
    await alertsConsumer.run({
      eachMessage: async ({ message }) => {
        const decided = Number(message.headers?.['decided-at']?.toString());
        const change = message.value ? decoder.decode(message.value) : null;
        if (!change?.ok || !Number.isFinite(decided)) return;
        const timerDriven = (change.change.transition === 'FIRED' && change.change.alert.rule !== 'SHARED_DESPITE_OBJECTION') || change.change.transition === 'ESCALATED';
        if (timerDriven) delays.push(Number(message.timestamp) - decided);
      },
    });

    const logger = pino({ level: 'warn' }, destination({ dest: join(options.dir, `live-bench-${suffix}.log`), sync: false }));
    const started = performance.now();
    const service = await startLiveService(parsed.config, files.files, { logger, registry: new Registry(), build: { version: 'bench' }, instanceName: 'bench' });
    const db = new pg.Client({ connectionString: options.databaseUrl });
    await db.connect();
    await db.query(`SET search_path TO ${schema}`);
    let ingestedSeconds = 0;
    let decidedSeconds = 0;
    try {
      for (;;) {
        const r = await db.query<{ ingested: string; decided: string; unsent: string }>(`SELECT
          (SELECT COALESCE(sum(next_offset), 0) FROM input_partitions) AS ingested,
          (SELECT COALESCE(sum(decided_offset), 0) FROM decider_offsets) AS decided,
          (SELECT count(*) FROM alert_outbox WHERE sent_at IS NULL) AS unsent`);
        const row = r.rows[0]!;
        const now = performance.now();
        if (ingestedSeconds === 0 && Number(row.ingested) >= records) ingestedSeconds = (now - started) / 1000;
        if (ingestedSeconds > 0 && Number(row.decided) >= records && Number(row.unsent) === 0) {
          decidedSeconds = (now - started) / 1000;
          break;
        }
        await new Promise((r2) => setTimeout(r2, 50));
      }
    } finally {
      await db.end();
      await service.stop();
      await alertsConsumer.disconnect();
    }
    // What the state costs once everything is decided, then how long a new instance takes to take over the decision.
    const size = await admin.query<{ bytes: string }>(`SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'm')`, [schema]);
    const schemaBytesPerRecord = Number(size.rows[0]!.bytes) / records;
    const takeoverRegistry = new Registry();
    const second = await startLiveService(parsed.config, files.files, { logger, registry: takeoverRegistry, build: { version: 'bench' }, instanceName: 'bench-takeover' });
    let takeoverSeconds = Number.NaN;
    try {
      while (!second.decider.leading) await new Promise((r2) => setTimeout(r2, 20));
      takeoverSeconds = (await takeoverRegistry.getSingleMetric('optout_verifier_decider_takeover_seconds')?.get())?.values[0]?.value ?? Number.NaN;
    } finally {
      await second.stop();
    }
    log(`  schema ${(Number(size.rows[0]!.bytes) / 1e6).toFixed(1)} MB = ${schemaBytesPerRecord.toFixed(1)} bytes per record read; a new instance took over the decision in ${takeoverSeconds.toFixed(2)} s`);
    const serviceRate = records / ingestedSeconds;
    log(`  ${records.toLocaleString('en-GB')} records stored, final offset committed after ${ingestedSeconds.toFixed(1)} s = ${Math.round(serviceRate).toLocaleString('en-GB')} events/s; every record decided and every alert published after ${decidedSeconds.toFixed(1)} s`);
    const dueToAlert = summariseLatency(delays);
    return { records, rawRate, serviceRate, ratio: serviceRate / rawRate, decidedSeconds, dueToAlert, takeoverSeconds, schemaBytesPerRecord };
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`).catch(() => {});
    await admin.end();
    await cluster.stop();
  }
}

export function formatLiveBench(result: LiveBenchResult): string[] {
  const l = result.dueToAlert;
  return [
    `live: service ${Math.round(result.serviceRate).toLocaleString('en-GB')} events/s, raw kafkajs + avsc ${Math.round(result.rawRate).toLocaleString('en-GB')} events/s: ${result.ratio.toFixed(2)}x raw (target at least 0.5x)`,
    `live: takeover (decider start to engine ready) after ${result.records.toLocaleString('en-GB')} records: ${result.takeoverSeconds.toFixed(2)} s (target at most 3 s); schema ${result.schemaBytesPerRecord.toFixed(1)} bytes per record read`,
    `live: timer due to alert on the alerts topic over ${l.count.toLocaleString('en-GB')} timer-driven alert changes: p50 ${l.p50 ?? '-'} ms, p99 ${l.p99 ?? '-'} ms, max ${l.max ?? '-'} ms (target p99 under 1000 ms)`,
  ];
}
