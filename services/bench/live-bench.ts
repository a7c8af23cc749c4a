// The live part of `npm run bench`, at two sizes of history: the bench's data set (over a million records) and one four
// times as long (same population, four times the days, ending on the same day). For each: the data set is produced to
// the four input topics; `optout-verifier run` (a process of its own) reads it from start to its final committed offset
// and on to its last decision; it is then killed (SIGKILL), and an instance started in its place takes over the
// decision from the last periodic snapshot (a crash's takeover); that instance is stopped (a last snapshot, retention
// settles), and one more takes over (a rolling restart's takeover), and the schema is measured; then `run` leads
// again, as a child, an instance beside it stands by until it holds the snapshot warm, the child decides a few
// thousand new records, and it is killed (a warm standby's takeover, replaying them); then the same again, the child
// stopped instead (a rolling restart with a warm standby, which it leaves to take over from the snapshot it holds
// rather than taking a last one). At the first size, raw kafkajs
// consumption with avsc decoding is measured in the same run as the baseline. Printed: events/s and the ratio,
// takeover times and the records they replayed, schema bytes per record read, and the time from a timer's due stream
// time to its alert on the alerts topic; and where the CPU went while ingesting and while consuming raw
// (cpu-accounts.ts). Figures are printed, never asserted.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import pg from 'pg';
import { destination, pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { AlertValueDecoder } from '../codec/alert-codec.js';
import { summariseLatency } from '../core/latency-summary.js';
import { STREAM_NAMES, type StreamName } from '../core/records.js';
import { parseLiveConfig } from '../live/config.js';
import { readDeploymentFiles, type DeploymentFiles } from '../live/deployment-files.js';
import { startLiveService } from '../live/live-service.js';
import { migrate } from '../live/store/migration-runner.js';
import { cpuBetween, formatCpuSplit, readCpu, type CpuSplit } from './cpu-accounts.js';
import { dataset, kafkaCluster, produceDataset, produceGpTail, rawConsumption, type Cluster } from './live-input.js';
import { measuredModule } from './measured-code.js';
import { memoryCgroup, quantityBytes, SHIPPED_MEMORY_LIMIT, SHIPPED_NODE_OPTIONS, type MemoryCgroup } from './memory-cgroup.js';

const FAULTS = ['--faults', 'systmone-2018,late-receipts,phantom-objections,bad-records,redeliveries'];
const DAYS = 1369;
// New GP events a decider decides after its snapshot before it is killed, for a warm standby to replay: fewer than
// a round's budget (10,000), so that no snapshot is taken meanwhile.
const TAIL = 5_000;
// The bench history's first day; a longer history starts earlier, so that every history ends on the same day, in the
// past. (Ending years after today, a quarter of the longer one would be dated in the future: records that wait in
// the engine until the wall clock reaches them, which is a measure of something else.)
const LAST_DAY_AFTER = Date.UTC(2015, 0, 1) + DAYS * 86_400_000;
// About 0.88M manifests (640 practices, daily, 1369 days), 0.39M release lines (2,000 a week) and some 20,000 GP
// events and receipts: 1.3 million records, most of them on the manifests topic, as nationally.
const POPULATION = ['--seed', '4242', '--practices', '640', '--patients', '150000', '--disseminations-per-week', '2000'];
// librdkafka's mock cluster keeps about 5 MB per partition and drops the oldest records beyond that: enough
// partitions that no record is dropped (checked after producing), as a national deployment would have.
const PARTITIONS: { readonly [S in StreamName]: number } = { gpEvents: 4, ndsReceived: 4, ndsManifests: 32, ndsDisseminations: 16 };

interface Shape {
  readonly name: string;
  readonly folder: string;
  /** Times the bench history. */
  readonly factor: number;
  /**
   * Whether its backlog is worked off under the shipped memory limit, with the image's NODE_OPTIONS
   * (memory-cgroup.ts). The longer one is, as the harder case; the bench history is not, so that its events/s stay
   * comparable with those of earlier runs and with the raw baseline, which runs without a limit.
   */
  readonly underShippedLimit: boolean;
}
const SHAPES: readonly Shape[] = [
  { name: 'the bench history', folder: 'live-dataset', factor: 1, underShippedLimit: false },
  { name: 'four times that history', folder: 'live-dataset-4x', factor: 4, underShippedLimit: true },
];

export interface LiveBenchOptions {
  readonly dir: string;
  readonly brokers: readonly string[] | null;
  readonly databaseUrl: string;
  readonly regenerate: boolean;
}

export interface Takeover {
  /** Decider start to engine ready, in seconds. */
  readonly seconds: number;
  /** Stored records replayed after the snapshot. */
  readonly replayed: number;
  /** Patients the restored engine holds (once per opt-out type): what a restore grows with. */
  readonly patientKeys: number;
}

export interface LiveShapeResult {
  readonly name: string;
  readonly records: number;
  /** Records per second from the service's start to its final committed offset. */
  readonly serviceRate: number;
  /** CPU of the service, PostgreSQL and the rest of the machine over the same stretch (null where /proc is not readable). */
  readonly ingestCpu: CpuSplit | null;
  /** Of a shape worked off under the shipped limit: how it held up, or null where no memory cgroup could be made here. */
  readonly memory?: BacklogMemory | null;
  readonly decidedSeconds: number;
  readonly dueToAlert: ReturnType<typeof summariseLatency>;
  readonly afterCrash: Takeover;
  readonly afterStop: Takeover;
  /** A decider killed while a standby held its snapshot warm: the standby's takeover. */
  readonly warm: WarmTakeover;
  /** A decider stopped (SIGTERM, as in a rolling restart) while a standby held its snapshot warm. */
  readonly warmAfterStop: WarmTakeover;
  /** Bytes of the whole schema (tables, indexes, TOAST) per record read: on disk, and once compacted (VACUUM FULL). */
  readonly diskBytesPerRecord: number;
  readonly heldBytesPerRecord: number;
  /** Records still held (record_batches) once retention has run. */
  readonly recordRowsKept: number;
}

/** How the service held up under the shipped memory limit while working off a backlog (memory-cgroup.ts). */
export interface BacklogMemory {
  readonly limitBytes: number;
  /** Most the cgroup used (null where the kernel does not keep it). */
  readonly peakBytes: number | null;
  readonly oomKills: number;
}

export interface LiveBenchResult {
  readonly rawRate: number;
  /** CPU of the bench's process (the raw consumer), PostgreSQL (idle) and the rest of the machine (the broker). */
  readonly rawCpu: CpuSplit | null;
  readonly shapes: readonly LiveShapeResult[];
}

type Topics = { readonly [S in StreamName]: string } & { readonly alerts: string; readonly deadLetter: string };

export async function benchLive(options: LiveBenchOptions, log: (line: string) => void): Promise<LiveBenchResult> {
  const cluster = await kafkaCluster(options.brokers, log);
  try {
    let raw: { rate: number; cpu: CpuSplit | null } = { rate: Number.NaN, cpu: null };
    const shapes: LiveShapeResult[] = [];
    for (const shape of SHAPES) {
      const start = new Date(LAST_DAY_AFTER - DAYS * shape.factor * 86_400_000).toISOString().slice(0, 10);
      const args = [...POPULATION, '--days', String(DAYS * shape.factor), '--start', start, ...FAULTS];
      const dataDir = await dataset(options.dir, shape.folder, args, options.regenerate, log);
      log(`${shape.name}:`);
      const result = await benchShape(shape, dataDir, cluster, options, log, shape.factor === 1 ? (measured) => { raw = measured; } : null);
      shapes.push(result);
    }
    return { rawRate: raw.rate, rawCpu: raw.cpu, shapes };
  } finally {
    await cluster.stop();
  }
}

async function benchShape(shape: Shape, dataDir: string, cluster: Cluster, options: LiveBenchOptions, log: (line: string) => void, raw: ((measured: { rate: number; cpu: CpuSplit | null }) => void) | null): Promise<LiveShapeResult> {
  const suffix = randomBytes(4).toString('hex');
  const topics: Topics = {
    gpEvents: `bench.gp.optout.events.${suffix}`, ndsReceived: `bench.nds.objections.received.${suffix}`, ndsManifests: `bench.nds.extracts.received.${suffix}`,
    ndsDisseminations: `bench.nds.disseminations.${suffix}`, alerts: `bench.optout.alerts.${suffix}`, deadLetter: `bench.optout.deadletter.${suffix}`,
  };
  const schema = `bench_live_${suffix}`;
  const admin = new pg.Client({ connectionString: options.databaseUrl });
  await admin.connect();
  try {
    for (const stream of STREAM_NAMES) await cluster.createTopic(topics[stream], PARTITIONS[stream] * shape.factor);
    await cluster.createTopic(topics.alerts, 4);
    await cluster.createTopic(topics.deadLetter, 1);
    const kafka = new Kafka({ clientId: 'optout-bench', brokers: cluster.brokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    log(`  producing the data set (partitions: ${STREAM_NAMES.map((s) => `${s} ${PARTITIONS[s] * shape.factor}`).join(', ')}) ...`);
    const producing = performance.now();
    const { records, writerSchemas } = await produceDataset(producer, dataDir, topics);
    await producer.disconnect();
    log(`    ${records.toLocaleString('en-GB')} records produced in ${((performance.now() - producing) / 1000).toFixed(1)} s`);
    await checkNothingDropped(kafka, topics);

    if (raw !== null) {
      log('  (a) raw kafkajs consumption with avsc decoding ...');
      const cpuBefore = await readCpu(process.pid);
      const rawSeconds = await rawConsumption(cluster.brokers, STREAM_NAMES.map((s) => topics[s]), records);
      const cpu = cpuBetween(cpuBefore, await readCpu(process.pid));
      raw({ rate: records / rawSeconds, cpu });
      log(`    ${records.toLocaleString('en-GB')} records in ${rawSeconds.toFixed(1)} s = ${Math.round(records / rawSeconds).toLocaleString('en-GB')} events/s`);
      if (cpu !== null) log(`    ${formatCpuSplit(cpu, records, 'raw consumer')}`);
    }

    await migrate(options.databaseUrl, schema);
    const schemasDir = join(options.dir, `writer-schemas-${suffix}`);
    await mkdir(schemasDir, { recursive: true });
    await Promise.all(writerSchemas.map((s, i) => writeFile(join(schemasDir, `writer-${i}.avsc`), JSON.stringify(s))));
    const keyFile = join(options.dir, `pseudonym-${suffix}.key`);
    await writeFile(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
    const env: Record<string, string> = {
      KAFKA_BROKERS: cluster.brokers.join(','), KAFKA_GROUP_ID: `bench-live-${suffix}`, DATABASE_URL: options.databaseUrl, DB_SCHEMA: schema,
      TOPIC_GP_EVENTS: topics.gpEvents, TOPIC_NDS_RECEIVED: topics.ndsReceived, TOPIC_NDS_MANIFESTS: topics.ndsManifests,
      TOPIC_NDS_DISSEMINATIONS: topics.ndsDisseminations, TOPIC_ALERTS: topics.alerts, TOPIC_DEADLETTER: topics.deadLetter,
      PSEUDONYM_KEY_FILE: keyFile, WRITER_SCHEMAS_DIR: schemasDir, METRICS_PORT: '0', ALLOWED_LATENESS: '7d', IDLE_TIMEOUT: '2s', DB_POOL_SIZE: '10',
      KAFKA_SESSION_TIMEOUT: '6s', KAFKA_HEARTBEAT_INTERVAL: '1s', KAFKA_FETCH_MAX_WAIT: '200ms', LOG_LEVEL: 'warn',
      // The bench runs against servers on this machine (a mock cluster without TLS, the local PostgreSQL).
      ALLOW_PLAINTEXT: 'true',
    };

    log('  (b) optout-verifier run (a process of its own), from start to its final committed offset and its last alert ...');
    const run = await runUntilDecided(kafka, env, topics, schema, records, options, suffix, shape.underShippedLimit);
    const serviceRate = records / run.ingestedSeconds;
    log(`    ${records.toLocaleString('en-GB')} records stored, final offset committed after ${run.ingestedSeconds.toFixed(1)} s = ${Math.round(serviceRate).toLocaleString('en-GB')} events/s; every record decided and every alert published after ${run.decidedSeconds.toFixed(1)} s`);
    if (run.ingestCpu !== null) log(`    until then: ${formatCpuSplit(run.ingestCpu, records, 'service')}`);
    if (run.memory !== undefined) log(`    ${describeMemory(run.memory)}`);

    const parsed = parseLiveConfig([], env);
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    const files = await readDeploymentFiles(parsed.config);
    if (!files.ok) throw new Error(files.problems.join('; '));
    const logger = pino({ level: 'warn' }, destination({ dest: join(options.dir, `live-bench-${suffix}.log`), sync: false }));
    const takeover = (instanceName: string) => takeOver(parsed.config, files.files, logger, instanceName);
    const afterCrash = await takeover('bench-after-crash');
    log(`    killed (SIGKILL); a new instance took over the decision in ${afterCrash.seconds.toFixed(2)} s, replaying ${afterCrash.replayed.toLocaleString('en-GB')} records stored after the last snapshot`);
    const afterStop = await takeover('bench-after-stop');
    log(`    stopped; the next instance took over in ${afterStop.seconds.toFixed(2)} s, replaying ${afterStop.replayed.toLocaleString('en-GB')} records; its engine holds ${afterStop.patientKeys.toLocaleString('en-GB')} patient keys`);
    const size = await schemaSize(admin, schema);
    log(`    schema ${(size.disk / 1e6).toFixed(1)} MB on disk, ${(size.held / 1e6).toFixed(1)} MB once compacted (VACUUM FULL: ${size.largest}); ${size.recordRows.toLocaleString('en-GB')} records left in record_batches`);
    // The tail adds objectors and alerts: it comes after the schema is measured.
    // Each tail's events have ids and times of their own, after the history and after the tail before.
    const tail = (nth: number) => async () => {
      const tailProducer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
      await tailProducer.connect();
      try {
        await produceGpTail(tailProducer, dataDir, topics.gpEvents, TAIL, LAST_DAY_AFTER - 86_400_000 + (nth - 1) * TAIL * 1000, `bench-tail-${nth}`);
      } finally {
        await tailProducer.disconnect();
      }
      return records + nth * TAIL;
    };
    const warm = await warmTakeover(env, parsed.config, files.files, logger, join(options.dir, `live-bench-${suffix}-leader.log`), tail(1), 'SIGKILL');
    log(`    a decider killed (SIGKILL) after deciding ${TAIL.toLocaleString('en-GB')} new records past its snapshot, while a standby held that snapshot warm: ${describeWarm(warm, 'the kill')}`);
    const warmAfterStop = await warmTakeover(env, parsed.config, files.files, logger, join(options.dir, `live-bench-${suffix}-stopped-leader.log`), tail(2), 'SIGTERM');
    log(`    a decider stopped (SIGTERM, a rolling restart) after deciding ${TAIL.toLocaleString('en-GB')} new records past its snapshot, while a standby held that snapshot warm: ${describeWarm(warmAfterStop, 'the stop')}`);

    return {
      name: shape.name, records, serviceRate, ingestCpu: run.ingestCpu, memory: run.memory, decidedSeconds: run.decidedSeconds, dueToAlert: summariseLatency(run.delays), afterCrash, afterStop, warm, warmAfterStop,
      diskBytesPerRecord: size.disk / records, heldBytesPerRecord: size.held / records, recordRowsKept: size.recordRows,
    };
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`).catch(() => {});
    await admin.end();
  }
}

async function checkNothingDropped(kafka: Kafka, topics: Topics): Promise<void> {
  const offsetsAdmin = kafka.admin();
  await offsetsAdmin.connect();
  try {
    for (const stream of STREAM_NAMES) {
      const dropped = (await offsetsAdmin.fetchTopicOffsets(topics[stream])).filter((p) => p.low !== '0');
      if (dropped.length > 0) throw new Error(`the broker dropped the oldest records of ${topics[stream]} (partitions ${dropped.map((p) => p.partition).join(', ')}): give it more partitions or more retention`);
    }
  } finally {
    await offsetsAdmin.disconnect();
  }
}

/**
 * `optout-verifier run` as a child process until every record is stored and decided and the outbox is empty; then
 * it is killed. Meanwhile the alerts topic is read: each timer-driven change's publish time minus decided-at.
 */
async function runUntilDecided(kafka: Kafka, env: Record<string, string>, topics: Topics, schema: string, records: number, options: LiveBenchOptions, suffix: string, underShippedLimit: boolean) {
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
  // The backlog is worked off under the memory limit the shipped deployment gives the container, where it can be.
  const cgroup = !underShippedLimit ? null : await memoryCgroup(`optout-verifier-bench-${suffix}`, quantityBytes(SHIPPED_MEMORY_LIMIT));
  const started = performance.now();
  // ...as the image runs it.
  const childEnv = underShippedLimit ? { ...env, NODE_OPTIONS: SHIPPED_NODE_OPTIONS } : env;
  const { child, exited, kill } = runChild(childEnv, 'bench-run', join(options.dir, `live-bench-${suffix}-run.log`), cgroup);
  let exitedEarly = false;
  void exited.then(() => { exitedEarly = true; });
  const db = new pg.Client({ connectionString: options.databaseUrl });
  await db.connect();
  await db.query(`SET search_path TO ${pg.escapeIdentifier(schema)}`);
  let ingestedSeconds = 0;
  let decidedSeconds = 0;
  const cpuAtStart = await readCpu(child.pid ?? -1);
  let ingestCpu: CpuSplit | null = null;
  let memory: BacklogMemory | null | undefined = underShippedLimit ? null : undefined;
  try {
    for (;;) {
      if (exitedEarly) {
        const killed = cgroup === null ? 0 : await cgroup.oomKills();
        const why = killed > 0 ? `: killed by the kernel for passing the shipped memory limit of ${SHIPPED_MEMORY_LIMIT}` : '';
        throw new Error(`optout-verifier run exited before it had decided everything${why} (log: ${join(options.dir, `live-bench-${suffix}-run.log`)})`);
      }
      const r = await db.query<{ ingested: string; decided: string; unsent: string }>(`SELECT
        (SELECT COALESCE(sum(next_offset), 0) FROM input_partitions) AS ingested,
        (SELECT COALESCE(sum(decided_offset), 0) FROM decider_offsets) AS decided,
        (SELECT count(*) FROM alert_outbox WHERE sent_at IS NULL) AS unsent`);
      const row = r.rows[0]!;
      const now = performance.now();
      if (ingestedSeconds === 0 && Number(row.ingested) >= records) {
        ingestedSeconds = (now - started) / 1000;
        ingestCpu = cpuBetween(cpuAtStart, await readCpu(child.pid ?? -1));
      }
      if (ingestedSeconds > 0 && Number(row.decided) >= records && Number(row.unsent) === 0) {
        decidedSeconds = (now - started) / 1000;
        break;
      }
      await new Promise((r2) => setTimeout(r2, 50));
    }
  } finally {
    await db.end();
    await kill();
    await alertsConsumer.disconnect();
    // Read once the child has exited, and removed whether or not the run got to its end.
    if (cgroup !== null) {
      try {
        memory = { limitBytes: cgroup.limitBytes, peakBytes: await cgroup.peakBytes(), oomKills: await cgroup.oomKills() };
      } finally {
        await cgroup.remove().catch(() => {});
      }
    }
  }
  return { ingestedSeconds, decidedSeconds, delays, ingestCpu, memory };
}

/** An instance started on the schema as another left it: decider start to engine ready, and what it replayed; then stopped. */
async function takeOver(config: Parameters<typeof startLiveService>[0], files: DeploymentFiles, logger: Logger, instanceName: string): Promise<Takeover> {
  const registry = new Registry();
  const service = await startLiveService(config, files, { logger, registry, build: { version: 'bench' }, instanceName });
  try {
    await until(async () => service.decider.leading, 'the instance to take over');
    return await takeoverOf(registry);
  } finally {
    await service.stop();
  }
}

/** A gauge of the service's registry, NaN if it has no value. */
async function gaugeOf(registry: Registry, name: string): Promise<number> {
  return (await registry.getSingleMetric(`optout_verifier_${name}`)?.get())?.values[0]?.value ?? Number.NaN;
}

/** The last takeover, as the service's gauges tell it. */
async function takeoverOf(registry: Registry): Promise<Takeover> {
  return { seconds: await gaugeOf(registry, 'decider_takeover_seconds'), replayed: await gaugeOf(registry, 'decider_takeover_records'), patientKeys: await gaugeOf(registry, 'engine_patient_keys') };
}

/** `optout-verifier run`, compiled as it ships (measured-code.ts), as a child process logging to `logFile`. */
function runChild(env: Record<string, string>, instanceName: string, logFile: string, cgroup: MemoryCgroup | null = null) {
  const out = createWriteStream(logFile);
  const args = [measuredModule('cli/start'), 'run'];
  const command = cgroup === null ? { file: process.execPath, args } : cgroup.command(process.execPath, args);
  const child = spawn(command.file, command.args, { env: { PATH: process.env.PATH ?? '', ...env, INSTANCE_NAME: instanceName }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(out, { end: false });
  child.stderr.pipe(out, { end: false });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  /** The signal (SIGKILL unless told), if it still runs, and its exit waited for. */
  const kill = async (signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
    out.end();
  };
  return { child, exited, kill };
}

function describeMemory(memory: BacklogMemory | null): string {
  if (memory === null) return `worked off without a memory limit: no memory cgroup could be made here (that needs root and Linux's memory controller), so it was NOT checked against the shipped ${SHIPPED_MEMORY_LIMIT}`;
  const peak = memory.peakBytes === null ? 'its peak not kept by this kernel' : `at most ${(memory.peakBytes / 1024 ** 2).toFixed(0)} MiB used`;
  return `worked off in a memory cgroup of the shipped limit, ${SHIPPED_MEMORY_LIMIT}: ${peak}, ${memory.oomKills} out-of-memory kills`;
}

function describeWarm(warm: WarmTakeover, end: string): string {
  return `the standby was elected ${warm.electedSeconds.toFixed(2)} s after ${end} and took over in ${(warm.takeover.seconds * 1000).toFixed(1)} ms (${warm.warm ? 'from its warm engine' : 'NOT from its warm engine'}), replaying ${warm.takeover.replayed.toLocaleString('en-GB')} records`;
}

export interface WarmTakeover {
  readonly takeover: Takeover;
  /** The kill or stop to the standby's election (it waits for the decider's lock). */
  readonly electedSeconds: number;
  /** Whether the standby started from the engine it held (optout_verifier_decider_takeover_warm). */
  readonly warm: boolean;
}

/**
 * `optout-verifier run` as a child process leads (restoring the stored snapshot); an instance started beside it
 * stands by until it holds that snapshot restored (optout_verifier_decider_standby_warm); the child decides a tail
 * of new records (`tail` produces them and answers the decided offsets to wait for); the child is killed (SIGKILL)
 * or stopped (SIGTERM: seeing the standby hold its snapshot, it takes no last one) and the standby takes over,
 * replaying the tail.
 */
async function warmTakeover(env: Record<string, string>, config: Parameters<typeof startLiveService>[0], files: DeploymentFiles, logger: Logger, logFile: string, tail: () => Promise<number>, end: 'SIGKILL' | 'SIGTERM'): Promise<WarmTakeover> {
  const leader = runChild(env, 'bench-leader', logFile);
  let standby: Awaited<ReturnType<typeof startLiveService>> | null = null;
  try {
    const registry = new Registry();
    const db = new pg.Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    const schema = pg.escapeIdentifier(env.DB_SCHEMA ?? '');
    try {
      // Started once the child leads, so that this instance stands by.
      await until(async () => (await db.query<{ leader: string | null }>(`SELECT leader FROM ${schema}.decider_state`)).rows[0]?.leader === 'bench-leader', 'the child to lead');
      standby = await startLiveService(config, files, { logger, registry, build: { version: 'bench' }, instanceName: 'bench-standby' });
      const warm = standby;
      await until(async () => !warm.decider.leading && (await gaugeOf(registry, 'decider_standby_warm')) === 1, 'the standby to hold the snapshot warm');
      // Records after the snapshot, decided by the child: fewer than a round's budget, so that no snapshot follows.
      const decided = await tail();
      await until(async () => Number((await db.query<{ n: string }>(`SELECT COALESCE(sum(decided_offset), 0) AS n FROM ${schema}.decider_offsets`)).rows[0]!.n) >= decided, 'the child to decide the tail');
    } finally {
      await db.end();
    }
    const service = standby;
    const killed = performance.now();
    await leader.kill(end);
    await until(async () => service.decider.leading, 'the standby to take over');
    const readyAfter = (performance.now() - killed) / 1000;
    const takeover = await takeoverOf(registry);
    return { takeover, electedSeconds: readyAfter - takeover.seconds, warm: (await gaugeOf(registry, 'decider_takeover_warm')) === 1 };
  } finally {
    await leader.kill();
    await standby?.stop();
  }
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The schema's size on disk, then once compacted; and the rows retention left in the record tables. */
async function schemaSize(admin: pg.Client, schema: string): Promise<{ disk: number; held: number; recordRows: number; largest: string }> {
  const total = async () => Number((await admin.query<{ bytes: string }>(`SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'm')`, [schema])).rows[0]!.bytes);
  const disk = await total();
  const tables = await admin.query<{ name: string }>(`SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`, [schema]);
  for (const { name } of tables.rows) await admin.query(`VACUUM FULL ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`);
  const held = await total();
  // Where the compacted bytes are: the largest tables, with their indexes and TOAST.
  const byTable = await admin.query<{ name: string; bytes: string }>(`SELECT c.relname AS name, pg_total_relation_size(c.oid)::bigint AS bytes
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY 2 DESC LIMIT 4`, [schema]);
  const largest = byTable.rows.map((r) => `${r.name} ${(Number(r.bytes) / 1e6).toFixed(1)} MB`).join(', ');
  const rows = await admin.query<{ n: string }>(`SELECT COALESCE(sum(record_count), 0)::bigint AS n FROM ${pg.escapeIdentifier(schema)}.record_batches`);
  return { disk, held, recordRows: Number(rows.rows[0]!.n), largest };
}

export function formatLiveBench(result: LiveBenchResult): string[] {
  const lines: string[] = [];
  const [base, long] = result.shapes;
  if (base !== undefined) {
    lines.push(`live: service ${Math.round(base.serviceRate).toLocaleString('en-GB')} events/s, raw kafkajs + avsc ${Math.round(result.rawRate).toLocaleString('en-GB')} events/s: ${(base.serviceRate / result.rawRate).toFixed(2)}x raw (target at least 0.5x)`);
    // Where the CPU went, so that the ratio can be read against what this machine had: both share its cores with
    // the broker, and the service with PostgreSQL too.
    if (base.ingestCpu !== null) lines.push(`live: while ingesting the bench history: ${formatCpuSplit(base.ingestCpu, base.records, 'service')}`);
    if (result.rawCpu !== null) lines.push(`live: while consuming it raw: ${formatCpuSplit(result.rawCpu, base.records, 'raw consumer')}`);
  }
  for (const s of result.shapes) {
    if (s.memory !== undefined) lines.push(`live: the backlog of ${s.records.toLocaleString('en-GB')} records (${s.name}) ${describeMemory(s.memory)}`);
    lines.push(`live: after ${s.records.toLocaleString('en-GB')} records (${s.name}): takeover after a crash ${s.afterCrash.seconds.toFixed(2)} s (${s.afterCrash.replayed.toLocaleString('en-GB')} records replayed), after a stop ${s.afterStop.seconds.toFixed(2)} s (target at most 3 s); schema ${s.heldBytesPerRecord.toFixed(1)} bytes per record read compacted, ${s.diskBytesPerRecord.toFixed(1)} on disk`);
  }
  if (base !== undefined && long !== undefined) {
    lines.push(`live: takeover after four times the history against after the bench history: ${(long.afterCrash.seconds / base.afterCrash.seconds).toFixed(2)}x after a crash, ${(long.afterStop.seconds / base.afterStop.seconds).toFixed(2)}x after a stop (target at most 1.3x); the engine holds ${(long.afterStop.patientKeys / base.afterStop.patientKeys).toFixed(2)}x the patient keys (${base.afterStop.patientKeys.toLocaleString('en-GB')} and ${long.afterStop.patientKeys.toLocaleString('en-GB')})`);
    const warmLine = (what: string, end: string, of: (s: LiveShapeResult) => WarmTakeover) => {
      const [b, l] = [of(base), of(long)];
      return `live: takeover by a warm standby ${what}, ${TAIL.toLocaleString('en-GB')} records to replay, four times the history against the bench history: ${(l.takeover.seconds * 1000).toFixed(1)} ms against ${(b.takeover.seconds * 1000).toFixed(1)} ms = ${(l.takeover.seconds / b.takeover.seconds).toFixed(2)}x (${b.warm && l.warm ? 'both from the warm engine' : 'NOT both from the warm engine'}; elected ${b.electedSeconds.toFixed(2)} s and ${l.electedSeconds.toFixed(2)} s after ${end})`;
    };
    lines.push(warmLine('after a crash', 'the kill', (s) => s.warm));
    lines.push(warmLine('after a stop (a rolling restart)', 'the stop', (s) => s.warmAfterStop));
  }
  for (const s of result.shapes) {
    const l = s.dueToAlert;
    lines.push(`live: timer due to alert on the alerts topic (${s.name}) over ${l.count.toLocaleString('en-GB')} timer-driven alert changes: p50 ${l.p50 ?? '-'} ms, p99 ${l.p99 ?? '-'} ms, max ${l.max ?? '-'} ms (target p99 under 1000 ms)`);
  }
  return lines;
}
