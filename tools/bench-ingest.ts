// The ingest write path on its own: records of a generated data set (the bench's simulator files) encoded as the
// topics carry them, classified by MessageIntake (once on the intake thread as the service does, once on the event
// loop, whose items are stored) and stored by PgStateStore.ingest in per-partition batches, several partitions at
// once as the service does; then retention forgets all of it. Prints records/s and CPU seconds of this process, of
// its event loop (the main thread) and of its PostgreSQL backends (from /proc, so the server must run on this
// machine) for each phase.
// Run: npm run bench:ingest -- <simulator output dir> [records=150000] [batch=1000] [concurrent=4]
// DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); a schema of its own is created and dropped.
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import avro from 'avsc';
import pg from 'pg';
import { DATA_FILES } from '../services/bench/live-input.js';
import { streamValueDecoder, streamValueEncoder } from '../services/codec/stream-value-codec.js';
import { CONTRACT_STREAMS } from '../services/contract/streams.js';
import { parseCodeCatalogue } from '../services/core/code-catalogue.js';
import { STREAM_NAMES, type RecordOf, type StreamName } from '../services/core/records.js';
import { keyedIdentity } from '../services/identity/keyed-identity.js';
import { IntakeThread } from '../services/live/ingest/intake-thread.js';
import { MessageIntake } from '../services/live/ingest/message-intake.js';
import { migrate } from '../services/live/store/migration-runner.js';
import { PgStateStore } from '../services/live/store/pg-state-store.js';
import { partitionKey, type IngestBatch, type IngestItem, type PartitionKey } from '../services/live/store/state-store.js';
import { SHIPPED_CATALOGUE_FILE } from '../services/package-root.js';

const [dataDir, total = '150000', batchArg = '1000', concurrentArg = '4'] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: tsx tools/bench-ingest.ts <simulator output dir> [records] [batch] [concurrent]');
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BATCH = Number(batchArg);
const CONCURRENT = Number(concurrentArg);
// The live bench's shares of the four streams, and its partitions.
const SHARE: { readonly [S in StreamName]: number } = { gpEvents: 0.008, ndsReceived: 0.008, ndsManifests: 0.69, ndsDisseminations: 0.294 };
const PARTITIONS: { readonly [S in StreamName]: number } = { gpEvents: 4, ndsReceived: 4, ndsManifests: 32, ndsDisseminations: 16 };
const APP = `ingest-bench-${randomBytes(3).toString('hex')}`;
const PSEUDONYM_KEY = Buffer.from('5e'.repeat(32), 'hex');

async function firstRecords(stream: StreamName, n: number): Promise<RecordOf[StreamName][]> {
  const records: RecordOf[StreamName][] = [];
  const decoder = avro.createFileDecoder(join(dataDir!, DATA_FILES[stream]));
  for await (const record of decoder as AsyncIterable<RecordOf[StreamName]>) {
    records.push(record);
    if (records.length >= n) break;
  }
  decoder.destroy();
  return records;
}

/** utime + stime of a process (or, given a thread's id too, of that thread) in seconds. */
async function cpuOf(pid: number, tid?: number): Promise<number> {
  const stat = await readFile(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function main(): Promise<void> {
  const catalogue = parseCodeCatalogue(JSON.parse(await readFile(SHIPPED_CATALOGUE_FILE, 'utf8')));
  const pseudonymise = keyedIdentity(PSEUDONYM_KEY).patientRefFor;
  const messages: { stream: StreamName; topic: string; partition: number; values: Buffer[] }[] = [];
  for (const stream of STREAM_NAMES) {
    const records = await firstRecords(stream, Math.round(Number(total) * SHARE[stream]));
    const encode = streamValueEncoder(stream) as (record: RecordOf[StreamName]) => Buffer;
    const parts = Array.from({ length: PARTITIONS[stream] }, (_, partition) => ({ stream, topic: `bench.${stream}`, partition, values: [] as Buffer[] }));
    // Partitioned by the message key, as the live bench's producer does: a redelivery goes where its first went.
    const keyField = CONTRACT_STREAMS[stream].keyField;
    for (const record of records) {
      const key = String((record as unknown as Record<string, unknown>)[keyField] ?? '');
      parts[createHash('md5').update(key).digest().readUInt32LE(0) % parts.length]!.values.push(encode(record));
    }
    messages.push(...parts);
  }
  const count = messages.reduce((n, m) => n + m.values.length, 0);

  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  const schema = `ingest_bench_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE SCHEMA ${schema}`);
  await migrate(databaseUrl, schema);
  const store = new PgStateStore({ databaseUrl, schema, poolSize: CONCURRENT + 2, applicationName: APP, onConnectionError: () => {} });
  const backendCpu = async () => {
    const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [APP]);
    let sum = 0;
    for (const { pid } of rows) sum += await cpuOf(pid);
    return sum;
  };
  await store.ping();

  const intakes = new Map(STREAM_NAMES.map((s) => [s, new MessageIntake(s, streamValueDecoder(s), catalogue, pseudonymise)]));
  // Batches in the order a consumer would take them: each partition's next batch, round robin.
  const queue: { stream: StreamName; topic: string; partition: number; values: Buffer[]; from: number }[] = [];
  for (let from = 0; messages.some((m) => m.values.length > from); from += BATCH) {
    for (const m of messages) if (m.values.length > from) queue.push({ ...m, values: m.values.slice(from, from + BATCH), from });
  }

  // The event loop's own CPU (the main thread's), beside the process's (with the intake thread's, and the GC's threads).
  const phase = async (name: string, work: () => Promise<void>, n: number) => {
    const cpu = process.cpuUsage();
    const loopBefore = await cpuOf(process.pid, process.pid);
    const pgBefore = await backendCpu();
    const started = performance.now();
    await work();
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const node = (used.user + used.system) / 1e6;
    const loop = (await cpuOf(process.pid, process.pid)) - loopBefore;
    const postgres = (await backendCpu()) - pgBefore;
    const us = (s: number) => (s / n * 1e6).toFixed(1);
    console.log(`${name.padEnd(15)} ${n} records in ${seconds.toFixed(2)} s = ${Math.round(n / seconds)} records/s; CPU node ${node.toFixed(2)} s (${us(node)} us/record; event loop ${us(loop)}), postgres backends ${postgres.toFixed(2)} s (${us(postgres)} us/record)`);
  };

  const batchOf = (b: (typeof queue)[number], items: IngestItem[]): { batch: IngestBatch } =>
    ({ batch: { topic: b.topic, partition: b.partition, stream: b.stream, items, nextOffset: b.from + b.values.length, fetchedFrom: b.from, gapAccepted: false } });
  const offsetsOf = (b: (typeof queue)[number]) => b.values.map((_, i) => b.from + i);
  // As the service does: the intake on a thread of its own, a few batches in hand at once.
  const thread = new IntakeThread({ streams: STREAM_NAMES.map((stream) => ({ stream, framing: { kind: 'single-object' } })), catalogue, pseudonymKey: PSEUDONYM_KEY });
  await thread.intakeFor('gpEvents').classifyBatch({ topic: 'warm-up', partition: 0, offsets: [], values: [] });
  await phase('intake (thread)', async () => {
    for (let at = 0; at < queue.length; at += CONCURRENT) {
      await Promise.all(queue.slice(at, at + CONCURRENT).map((b) => thread.intakeFor(b.stream).classifyBatch({ topic: b.topic, partition: b.partition, offsets: offsetsOf(b), values: b.values })));
    }
  }, count);
  await thread.close();
  let classified: { batch: IngestBatch }[] = [];
  await phase('intake', async () => {
    classified = queue.map((b) => batchOf(b, b.values.map((value, i) => intakes.get(b.stream)!.classify(b.from + i, value))));
  }, count);

  const next = new Map<PartitionKey, number>();
  await phase('ingest', async () => {
    let at = 0;
    const busy = new Set<PartitionKey>();
    const worker = async () => {
      for (;;) {
        // The next batch of a partition no other worker holds (a partition's batches go in order).
        const index = classified.findIndex((c, i) => i >= at && c !== null && !busy.has(partitionKey(c.batch.topic, c.batch.partition)));
        if (index < 0) return;
        const { batch } = classified[index]!;
        const key = partitionKey(batch.topic, batch.partition);
        if ((next.get(key) ?? 0) !== batch.fetchedFrom) { await new Promise((r) => setImmediate(r)); continue; }
        classified[index] = null as unknown as { batch: IngestBatch };
        while (at < classified.length && classified[at] === null) at++;
        busy.add(key);
        const outcome = await store.ingest(batch, async () => {});
        if (outcome.kind !== 'stored') throw new Error('refused');
        next.set(key, outcome.nextOffset);
        busy.delete(key);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENT }, worker));
  }, count);

  await phase('retention', async () => {
    const outcome = await store.retain({
      covered: next, streamOfTopic: new Map(STREAM_NAMES.map((s) => [`bench.${s}`, s])), forgetIdsBefore: new Map(STREAM_NAMES.map((s) => [s, Number.MAX_SAFE_INTEGER])), deadLetterRetentionMs: 86_400_000,
    });
    console.log(`retention  forgot ${outcome.records} records, ${outcome.ids} ids`);
  }, count);

  const size = await admin.query<{ bytes: string }>(`SELECT sum(pg_total_relation_size(c.oid))::bigint AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`, [schema]);
  console.log(`schema after retention: ${size.rows[0]!.bytes} bytes`);
  await store.close();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}

await main();
