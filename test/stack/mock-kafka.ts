// Starts librdkafka's mock Kafka cluster (infra/kafka/mock-cluster.c) as a child
// process and drives it over its line protocol on stdin/stdout.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import type { MockKafkaControl } from './mock-control.js';

export interface MockCluster extends MockKafkaControl {
  readonly bootstrapServers: string[];
  /** Writes the values to a partition with librdkafka's own producer, its record batches compressed with `codec`. */
  produceWithLibrdkafka(topic: string, partition: number, codec: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd', values: readonly Buffer[]): Promise<void>;
  stop(): Promise<void>;
}

const kafkaInfraDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'infra', 'kafka');
const sourcePath = join(kafkaInfraDir, 'mock-cluster.c');
const buildDir = join(kafkaInfraDir, 'build');
/** Where Debian's librdkafka-dev puts the header the launcher needs. */
const debianMockHeader = '/usr/include/librdkafka/rdkafka_mock.h';
const startTimeoutMs = 10_000;
const commandTimeoutMs = 10_000;
const stopTimeoutMs = 5_000;

const run = promisify(execFile);

/**
 * Compiles the launcher once per source version. The binary's name carries a
 * hash of the source, and concurrent workers each compile to their own temp
 * file and rename it into place, so a half-written binary is never executed.
 */
export async function buildMockClusterLauncher(): Promise<string> {
  const source = await readFile(sourcePath);
  const digest = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const binary = join(buildDir, `mock-cluster-${digest}`);
  if (await isFile(binary)) return binary;

  await mkdir(buildDir, { recursive: true });
  const temp = `${binary}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await run('cc', ['-std=c11', '-D_POSIX_C_SOURCE=200809L', '-O2', '-Wall', '-o', temp, sourcePath, '-lrdkafka']);
  } catch (error) {
    await rm(temp, { force: true });
    throw compileError(error);
  }
  await rename(temp, binary);
  return binary;
}

/**
 * The launcher cannot be built because something is not installed: a C compiler, or librdkafka's headers and
 * library. `packages` names the Debian packages that provide what is missing.
 */
export class MockToolchainMissing extends Error {
  constructor(readonly missing: string, readonly packages: readonly string[], options?: ErrorOptions) {
    super(`Cannot build the Kafka mock cluster: ${missing}; install ${packages.join(' ')} (Debian/Ubuntu: apt-get install -y ${packages.join(' ')})`, options);
    this.name = 'MockToolchainMissing';
  }
}

function compileError(error: unknown): Error {
  const { code, stderr } = error as { code?: unknown; stderr?: unknown };
  if (code === 'ENOENT') {
    const packages = existsSync(debianMockHeader) ? ['gcc', 'libc6-dev'] : ['gcc', 'libc6-dev', 'librdkafka-dev'];
    return new MockToolchainMissing('no C compiler (cc) on PATH', packages, { cause: error });
  }
  const output = typeof stderr === 'string' ? stderr.trim() : '';
  if (/rdkafka(_mock)?\.h|-lrdkafka|cannot find -lrdkafka/.test(output)) {
    return new MockToolchainMissing('librdkafka\'s headers or library are missing', ['librdkafka-dev'], { cause: error });
  }
  return new Error(`Cannot build the Kafka mock cluster: the compiler rejected infra/kafka/mock-cluster.c\n${output}`, { cause: error });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export async function startMockCluster(options: { brokers?: number } = {}): Promise<MockCluster> {
  const brokers = options.brokers ?? 3;
  const binary = await buildMockClusterLauncher();
  const child = spawn(binary, [String(brokers)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const session = new LauncherSession(child);
  let bootstrapServers: string[];
  try {
    const first = await session.nextLine(startTimeoutMs, 'start');
    const match = /^BOOTSTRAP (\S+)$/.exec(first);
    if (!match?.[1]) throw new Error(`Kafka mock cluster printed "${first}" instead of its bootstrap servers`);
    bootstrapServers = match[1].split(',');
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  return {
    bootstrapServers,
    createTopic: async (name, partitions) => {
      if (!legalTopicName.test(name)) throw new Error(`"${name}" is not a legal Kafka topic name`);
      return session.command(`topic ${name} ${integer(partitions)} ${Math.min(brokers, 3)}`);
    },
    brokerDown: async (id) => session.command(`broker-down ${integer(id)}`),
    brokerUp: async (id) => session.command(`broker-up ${integer(id)}`),
    pushRequestErrors: async (apiKey, codes) => session.command(`request-errors ${integer(apiKey)} ${codes.map(integer).join(' ')}`),
    setRtt: async (id, ms) => session.command(`rtt ${integer(id)} ${integer(ms)}`),
    produceWithLibrdkafka: async (topic, partition, codec, values) => {
      if (!legalTopicName.test(topic)) throw new Error(`"${topic}" is not a legal Kafka topic name`);
      // One line of the launcher's protocol holds at most 64 KiB and 511 words: the values go in slices.
      for (let at = 0; at < values.length; at += 100) {
        await session.command(`produce ${topic} ${integer(partition)} ${codec} ${values.slice(at, at + 100).map((v) => v.toString('hex')).join(' ')}`);
      }
    },
    stop: () => session.stop(),
  };
}

// Kafka's own rule (kafka.common.Topic); it also keeps a name to one word of
// the launcher's line protocol.
const legalTopicName = /^[a-zA-Z0-9._-]{1,249}$/;

/** Arguments arrive over HTTP from test workers, so they are checked before they reach the launcher. */
function integer(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`expected an integer, got ${String(value)}`);
  return String(value);
}

/** One launcher process: commands go one at a time, each answered by one line. */
class LauncherSession {
  private readonly lines: string[] = [];
  private waiting: { resolve: (line: string) => void; reject: (error: Error) => void } | null = null;
  private exited: Error | null = null;
  private stderrTail = '';
  private queue: Promise<unknown> = Promise.resolve();
  private readonly exit: Promise<void>;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (this.waiting) {
        const { resolve } = this.waiting;
        this.waiting = null;
        resolve(line);
      } else {
        this.lines.push(line);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4000);
    });
    // Writing to a launcher that has just died must not crash the test process;
    // the pending command is failed by the exit handler instead.
    child.stdin.on('error', () => {});
    this.exit = new Promise((resolve) => {
      const onGone = (why: string) => {
        this.exited ??= new Error(`Kafka mock cluster ${why}${this.stderrTail ? `: ${this.stderrTail.trim()}` : ''}`);
        this.waiting?.reject(this.exited);
        this.waiting = null;
        resolve();
      };
      child.on('error', (error) => onGone(`could not run (${error.message})`));
      child.on('exit', (code, signal) => onGone(`exited (${signal ?? `code ${code}`})`));
    });
  }

  nextLine(timeoutMs: number, what: string): Promise<string> {
    const ready = this.lines.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        reject(new Error(`Kafka mock cluster did not answer "${what}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = {
        resolve: (line) => { clearTimeout(timer); resolve(line); },
        reject: (error) => { clearTimeout(timer); reject(error); },
      };
    });
  }

  command(line: string): Promise<void> {
    const result = this.queue.then(async () => {
      if (this.exited) throw this.exited;
      this.child.stdin.write(`${line}\n`);
      const answer = await this.nextLine(commandTimeoutMs, line);
      if (answer !== 'OK') throw new Error(`Kafka mock cluster refused "${line}": ${answer.replace(/^ERR /, '')}`);
    });
    this.queue = result.catch(() => {});
    return result;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    // EOF on stdin is the launcher's signal to destroy the cluster and exit.
    this.child.stdin.end();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), stopTimeoutMs); });
    const slow = await Promise.race([this.exit.then(() => false), timedOut]);
    clearTimeout(timer);
    if (slow) {
      this.child.kill('SIGKILL');
      await this.exit;
    }
  }
}
