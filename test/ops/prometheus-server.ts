// A real Prometheus (Debian's `prometheus` binary) for a test: on loopback at a free port, its own temporary
// storage, scraping the given targets every second and evaluating the rules every second. Its HTTP API is how the
// test sees alerts, as an operator's tools would.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { at } from './ops-files.js';

const RULES_DIR = 'infra/prometheus/rules';
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

export interface PrometheusAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly state: 'pending' | 'firing';
  readonly activeAt: string;
  readonly value: string;
}

export interface PrometheusSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface PrometheusServer {
  readonly url: string;
  readonly logFile: string;
  /** Active alerts (pending or firing); a resolved alert is not listed. */
  alerts(): Promise<PrometheusAlert[]>;
  /** An instant query's vector result. */
  query(expr: string): Promise<PrometheusSample[]>;
  stop(): Promise<void>;
}

interface Rule {
  alert?: string;
  record?: string;
  for?: string;
  keep_firing_for?: string;
  [key: string]: unknown;
}

/**
 * Copies the project's rule files into `dir`, with `keep_firing_for` set to `keepFiringFor` wherever a rule has it.
 * The production value (10m) holds a page through a verifier restart; a test that watches an alert clear cannot wait
 * that long. Everything else (expressions, `for`, labels, annotations) is copied as it is. Returns the files written.
 */
export async function rulesWithShortKeepFiring(dir: string, keepFiringFor: string): Promise<{ files: string[]; shortened: string[] }> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const shortened: string[] = [];
  for (const name of (await readdir(at(RULES_DIR))).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml')).sort()) {
    const doc = parse(await readFile(at(RULES_DIR, name), 'utf8')) as { groups: { name: string; rules: Rule[] }[] };
    for (const rule of doc.groups.flatMap((g) => g.rules)) {
      if (rule.keep_firing_for === undefined) continue;
      shortened.push(`${rule.alert ?? rule.record}: keep_firing_for ${rule.keep_firing_for} -> ${keepFiringFor}`);
      rule.keep_firing_for = keepFiringFor;
    }
    const file = join(dir, name);
    await writeFile(file, `# Test copy of ${RULES_DIR}/${name}: keep_firing_for shortened to ${keepFiringFor}; nothing else changed.\n${stringify(doc)}`);
    files.push(file);
  }
  return { files, shortened };
}

/** A port nobody listens on at this moment, on 127.0.0.1. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function prometheusConfig(options: { job: string; targets: readonly string[]; ruleFiles: readonly string[]; externalLabels?: Readonly<Record<string, string>> }): string {
  return stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s', ...(options.externalLabels === undefined ? {} : { external_labels: { ...options.externalLabels } }) },
    rule_files: [...options.ruleFiles],
    scrape_configs: [{ job_name: options.job, metrics_path: '/metrics', static_configs: [{ targets: [...options.targets] }] }],
  });
}

export async function startPrometheus(dir: string, config: string): Promise<PrometheusServer> {
  await mkdir(dir, { recursive: true });
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, config);
  const logFile = join(dir, 'prometheus.log');
  // A port picked free may be taken before Prometheus binds it; then it exits at once and another is tried.
  let lastFailure = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeLoopbackPort();
    const child = spawn('prometheus', [
      `--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, `data-${attempt}`)}`, `--web.listen-address=127.0.0.1:${port}`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(logFile, { flags: 'a' });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', (error) => {
        lastFailure = `prometheus could not be run (${error.message}); install the Debian package "prometheus"`;
        resolve(null);
      });
    });
    const url = `http://127.0.0.1:${port}`;
    const ready = await untilReady(url, exited);
    if (ready) return server(url, logFile, child, exited);
    if (lastFailure === '') lastFailure = `prometheus did not become ready on ${url} (log: ${logFile})`;
    child.kill('SIGKILL');
    if (lastFailure.includes('could not be run')) break;
  }
  throw new Error(lastFailure);
}

async function untilReady(url: string, exited: Promise<number | null>): Promise<boolean> {
  let gone = false;
  void exited.then(() => { gone = true; });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline && !gone) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

function server(url: string, logFile: string, child: ChildProcess, exited: Promise<number | null>): PrometheusServer {
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error ?? response.status}`);
    return body.data;
  };
  return {
    url,
    logFile,
    alerts: async () => (await api<{ alerts: PrometheusAlert[] }>('/api/v1/alerts')).alerts,
    query: async (expr) => {
      const data = await api<{ resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
      if (data.resultType !== 'vector') throw new Error(`${expr}: a ${data.resultType}, not a vector`);
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS); }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
