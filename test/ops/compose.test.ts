// docker-compose.yml checked statically: there is no Docker engine where the tests run, so the
// stack is never started here. What can be known without running it is checked.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseSimulateFlags } from '../../services/simulator/simulate-options.js';
import { alertRules, at, exportedSeriesNames, PROMETHEUS_CONFIG, promtool, readYaml, verifierMetricsIn } from './ops-files.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number>;
  volumes?: (string | { type: string; source: string; target: string })[];
  secrets?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string };
  restart?: string;
}
interface Compose {
  services: Record<string, Service>;
  secrets?: Record<string, { file?: string }>;
  volumes?: Record<string, unknown>;
}

const compose = readYaml<Compose>('docker-compose.yml');
const services = compose.services;
const ONE_SHOT = new Set(['kafka-init', 'migrate', 'simulator']);
const INPUT_TOPICS = ['gp.optout.events', 'nds.objections.received', 'nds.extracts.received', 'nds.disseminations'];

/** An exact version tag (not latest, not a bare major) or a digest. */
const PINNED = /^[a-z0-9][\w./-]*(:v?\d+\.\d+(\.\d+)?([-.][\w.-]+)?)?(@sha256:[0-9a-f]{64})?$/;
function isPinned(image: string): boolean {
  return PINNED.test(image) && (image.includes('@sha256:') || /:v?\d+\.\d+/.test(image));
}

/** Bind mounts as [host path relative to the repository, path in the container]. */
function bindMounts(service: Service): [string, string][] {
  return (service.volumes ?? []).flatMap((v): [string, string][] => {
    if (typeof v !== 'string') return v.type === 'bind' ? [[v.source, v.target]] : [];
    const [source = '', target = ''] = v.split(':');
    return source.startsWith('.') || source.startsWith('/') ? [[source, target]] : [];
  });
}

function hostPathFor(service: Service, containerPath: string): string | undefined {
  for (const [source, target] of bindMounts(service)) {
    if (containerPath === target) return source;
    if (containerPath.startsWith(`${target}/`)) return posix.join(source, containerPath.slice(target.length + 1));
  }
  return undefined;
}

const dashboard = JSON.parse(readFileSync(at('infra/grafana/dashboards/optout-verifier.json'), 'utf8')) as {
  panels: { title: string; type: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
};
const dashboardQueries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

describe('docker-compose.yml', () => {
  it('has the whole stack', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['alertmanager', 'grafana', 'kafka', 'kafka-init', 'migrate', 'postgres', 'prometheus', 'simulator', 'verifier'],
    );
  });

  it('pins every image to an exact version, its own build included', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.image, `${name} has no image`).toBeDefined();
      expect(isPinned(service.image ?? ''), `${name}: ${service.image}`).toBe(true);
      expect(service.image).not.toMatch(/:latest$/);
    }
    const dockerfile = readFileSync(at('infra/docker/verifier.Dockerfile'), 'utf8');
    const args = new Map([...dockerfile.matchAll(/^ARG\s+(\w+)=(\S+)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
    const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => (m[1] ?? '').replace(/^\$\{(\w+)\}$/, (_, arg: string) => args.get(arg) ?? ''));
    expect(bases.length).toBeGreaterThan(0);
    // A supported Node LTS, pinned by digest.
    for (const base of bases) expect(base).toMatch(/^node:(22|24)[\w.-]*@sha256:[0-9a-f]{64}$/);
  });

  it('refuses floating tags', () => {
    for (const image of ['postgres', 'postgres:latest', 'postgres:15', 'grafana/grafana:11', 'node:lts']) expect(isPinned(image), image).toBe(false);
    expect(isPinned(`node@sha256:${'a'.repeat(64)}`)).toBe(true);
  });

  it('mounts only files that exist, and declares its named volumes and secrets', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [source] of bindMounts(service)) expect(existsSync(at(source)), `${name}: ${source}`).toBe(true);
      for (const v of service.volumes ?? []) {
        const source = typeof v === 'string' ? v.split(':')[0] ?? '' : v.source;
        if (!source.startsWith('.') && !source.startsWith('/')) expect(compose.volumes ?? {}, `${name}: ${source}`).toHaveProperty(source);
      }
      for (const secret of service.secrets ?? []) {
        const file = compose.secrets?.[secret]?.file;
        expect(file, `${name}: secret ${secret}`).toBeDefined();
        expect(existsSync(at(file ?? '')), `${name}: ${file}`).toBe(true);
      }
      if (service.build) {
        expect(existsSync(at(service.build.context, service.build.dockerfile ?? 'Dockerfile')), name).toBe(true);
      }
    }
  });

  it('starts in order: every dependency is waited for by a condition that can be met', () => {
    for (const [name, service] of Object.entries(services)) {
      const deps = service.depends_on ?? {};
      expect(Array.isArray(deps), `${name}: depends_on without conditions`).toBe(false);
      for (const [dep, { condition }] of Object.entries(deps as Record<string, { condition: string }>)) {
        expect(services[dep], `${name} depends on unknown ${dep}`).toBeDefined();
        if (condition === 'service_healthy') expect(services[dep]?.healthcheck, `${dep} has no healthcheck`).toBeDefined();
        else expect(condition, `${name} -> ${dep}`).toBe('service_completed_successfully');
      }
    }
    expect(services.verifier?.depends_on).toMatchObject({
      'kafka-init': { condition: 'service_completed_successfully' }, migrate: { condition: 'service_completed_successfully' },
    });
    expect(services.migrate?.depends_on).toMatchObject({ postgres: { condition: 'service_healthy' } });
    expect(services.simulator?.depends_on).toMatchObject({ verifier: { condition: 'service_healthy' } });
  });

  it('gives every long-running service a health check, and the one-shot services none to wait on', () => {
    for (const [name, service] of Object.entries(services)) {
      if (ONE_SHOT.has(name)) expect(service.restart, name).toBe('no');
      else expect(service.healthcheck, name).toBeDefined();
    }
    expect(JSON.stringify(services.verifier?.healthcheck?.test)).toContain('http://127.0.0.1:9464/readyz');
  });

  it('creates the contract topics at start, the inputs with 6 partitions', () => {
    const service = services['kafka-init'] ?? {};
    const script = (service.entrypoint ?? []).find((arg) => arg.endsWith('.sh')) ?? '';
    const hostScript = hostPathFor(service, script);
    expect(hostScript, `kafka-init runs ${script}, which is not mounted`).toBeDefined();
    const text = readFileSync(at(hostScript ?? ''), 'utf8');
    const created = new Map([...text.matchAll(/^create\s+(\S+)\s+(\d+)\s*$/gm)].map((m) => [m[1], Number(m[2])]));
    for (const topic of INPUT_TOPICS) expect(created.get(topic), topic).toBe(6);
    expect([...created.keys()]).toEqual(expect.arrayContaining(['optout.alerts', 'optout.deadletter']));
    expect(compose.services.kafka?.environment?.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    expect(compose.services.kafka?.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
  });

  it('migrates as the schema\'s owner, granting the role the verifier runs as, which the database creates at start', () => {
    const migrate = services.migrate ?? {};
    const verifier = services.verifier ?? {};
    expect(migrate.command).toEqual(['node', 'bin/optout-verifier.js', 'migrate']);
    expect(migrate.image).toBe(verifier.image);
    const runtimeRole = String(migrate.environment?.DB_RUNTIME_ROLE);
    expect(new URL(String(verifier.environment?.DATABASE_URL)).username).toBe(runtimeRole);
    expect(new URL(String(migrate.environment?.DATABASE_URL)).username).toBe(String(services.postgres?.environment?.POSTGRES_USER));
    const init = bindMounts(services.postgres ?? {}).find(([, target]) => target.startsWith('/docker-entrypoint-initdb.d/'));
    expect(init, 'postgres creates the runtime role at start').toBeDefined();
    expect(readFileSync(at(init?.[0] ?? ''), 'utf8')).toMatch(new RegExp(`CREATE ROLE ${runtimeRole} LOGIN`));
  });

  it('runs the verifier with its settings and a demo pseudonym key', () => {
    const verifier = services.verifier ?? {};
    expect(verifier.command).toEqual(['node', 'bin/optout-verifier.js', 'run']);
    expect(Object.keys(verifier.environment ?? {})).toEqual(expect.arrayContaining(['KAFKA_BROKERS', 'DATABASE_URL', 'PSEUDONYM_KEY_FILE', 'SLA', 'GRACE']));
    const keyFile = String(verifier.environment?.PSEUDONYM_KEY_FILE);
    const secret = keyFile.replace('/run/secrets/', '');
    expect(verifier.secrets).toContain(secret);
    const hostKey = compose.secrets?.[secret]?.file ?? '';
    expect(hostKey).toMatch(/demo/);
    expect(Buffer.from(readFileSync(at(hostKey), 'utf8').trim(), 'hex').toString('utf8')).toMatch(/DEMO KEY.*NOT FOR REAL PATIENT DATA/);
    expect(readFileSync(at('infra/docker/verifier.Dockerfile'), 'utf8')).toMatch(/^RUN npm ci\b/m);
  });

  it('runs the simulator publishing the SystmOne 2018 scenario live into Kafka at a steady pace', () => {
    expect(services.simulator?.image).toBe(services.verifier?.image);
    expect(services.simulator?.command).toEqual(
      ['node', 'bin/optout-verifier.js', 'simulate', '--faults', 'systmone-2018', '--publish', 'kafka', '--pace', '200/s'],
    );
    expect(services.simulator?.environment?.KAFKA_BROKERS).toBe(services.verifier?.environment?.KAFKA_BROKERS);
  });

  it('gives the simulator a command its flag parser accepts, publishing to the topics kafka-init creates', () => {
    const command = services.simulator?.command ?? [];
    const environment = Object.fromEntries(Object.entries(services.simulator?.environment ?? {}).map(([k, v]) => [k, String(v)]));
    const parsed = parseSimulateFlags(command.slice(3), environment);
    expect(parsed.kind === 'exit' ? parsed.lines : []).toEqual([]);
    const publish = parsed.kind === 'run' ? parsed.config.publish : null;
    expect(publish?.brokers).toEqual([String(services.verifier?.environment?.KAFKA_BROKERS)]);
    expect(publish?.pacePerSecond).toBe(200);
    expect(Object.values(publish?.topics ?? {}).sort()).toEqual([...INPUT_TOPICS].sort());
  });
});

describe('Prometheus in the stack', () => {
  const prometheus = services.prometheus ?? {};
  const configInContainer = (prometheus.command ?? []).find((a) => a.startsWith('--config.file='))?.split('=')[1] ?? '';

  it('loads the config and rules that promtool checks', () => {
    expect(hostPathFor(prometheus, configInContainer)).toBe(`./${PROMETHEUS_CONFIG}`);
    const config = readYaml<{ rule_files: string[] }>(PROMETHEUS_CONFIG);
    for (const pattern of config.rule_files) {
      const inContainer = posix.join(posix.dirname(configInContainer), posix.dirname(pattern));
      expect(hostPathFor(prometheus, inContainer), `${pattern} is not mounted`).toBe('./infra/prometheus/rules');
    }
    const run = promtool(['check', 'config', PROMETHEUS_CONFIG]);
    expect(run.status, run.output).toBe(0);
  });

  it('is a version that knows keep_firing_for (Prometheus 2.42 or later)', () => {
    const [, major = 0, minor = 0] = /:v(\d+)\.(\d+)/.exec(prometheus.image ?? '')?.map(Number) ?? [];
    expect(major > 2 || (major === 2 && minor >= 42), prometheus.image).toBe(true);
  });

  it('scrapes the verifier and alerts through the Alertmanager of the stack', () => {
    const config = readYaml<{
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    }>(PROMETHEUS_CONFIG);
    const job = config.scrape_configs.find((s) => s.job_name === 'optout-verifier');
    expect(job?.static_configs.flatMap((s) => s.targets)).toEqual(['verifier:9464']);
    expect(alertRules().find((r) => r.alert === 'OptOutVerifierDown')?.expr).toContain('job="optout-verifier"');
    expect(config.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((s) => s.targets))).toEqual(['alertmanager:9093']);
    expect(services.alertmanager).toBeDefined();
  });
});

describe('Alertmanager in the stack', () => {
  const path = hostPathFor(services.alertmanager ?? {}, '/etc/alertmanager/alertmanager.yml') ?? '';
  const config = readYaml<{
    route: { receiver: string; routes: { matchers: string[]; receiver: string }[] };
    receivers: { name: string }[];
  }>(path);

  it('routes by severity to receivers that exist', () => {
    const receivers = new Set(config.receivers.map((r) => r.name));
    const bySeverity = new Map(config.route.routes.map((r) => [r.matchers.join(','), r.receiver]));
    expect(bySeverity.get('severity="critical"')).toBe('page-oncall');
    expect(bySeverity.get('severity="warning"')).toBe('ticket-queue');
    for (const receiver of [config.route.receiver, ...bySeverity.values()]) expect(receivers).toContain(receiver);
  });

  const amtool = spawnSync('amtool', ['--version']).error === undefined;
  it.skipIf(!amtool)('passes amtool check-config and routes each severity as intended', () => {
    const check = spawnSync('amtool', ['check-config', at(path)], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    for (const [severity, receiver] of [['critical', 'page-oncall'], ['warning', 'ticket-queue']]) {
      const route = spawnSync('amtool', ['config', 'routes', 'test', `--config.file=${at(path)}`, `severity=${severity}`, 'alertname=OptOutTest'], { encoding: 'utf8' });
      expect(route.stdout.trim()).toBe(receiver);
    }
  });
});

describe('Grafana in the stack', () => {
  const grafana = services.grafana ?? {};

  it('provisions the Prometheus data source the dashboard uses', () => {
    const sources = readYaml<{ datasources: { uid: string; url: string }[] }>(
      hostPathFor(grafana, '/etc/grafana/provisioning/datasources/prometheus.yml') ?? '',
    ).datasources;
    expect(sources.map((s) => s.url)).toContain('http://prometheus:9090');
    const uids = new Set(sources.map((s) => s.uid));
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) expect(uids, panel.title).toContain(panel.datasource?.uid);
  });

  it('loads the dashboard from where it is mounted', () => {
    const provider = readYaml<{ providers: { options: { path: string } }[] }>(
      hostPathFor(grafana, '/etc/grafana/provisioning/dashboards/optout-verifier.yml') ?? '',
    ).providers[0];
    const dashboardFile = hostPathFor(grafana, `${provider?.options.path}/optout-verifier.json`) ?? '';
    expect(statSync(at(dashboardFile)).isFile()).toBe(true);
  });

  it('shows latency, open episodes by supplier, alerts, lag and dead letters', () => {
    const exprs = dashboardQueries.map((q) => q.expr).join('\n');
    for (const metric of ['optout_verifier_propagation_latency_seconds_bucket', 'optout_verifier_open_episodes', 'optout_verifier_alerts_firing',
      'optout_verifier_consumer_lag_records', 'optout_verifier_dead_letters_total']) expect(exprs).toContain(metric);
    expect(exprs).toMatch(/sum by \(supplier\) \(optout_verifier_open_episodes\)/);
  });
});

describe('metric names in queries', () => {
  it('name only metrics that createVerifierMetrics registers, in the dashboard and in the alert rules', async () => {
    const exported = await exportedSeriesNames();
    const queries = [...dashboardQueries, ...alertRules().map((r) => ({ panel: r.alert, expr: r.expr }))];
    let referenced = 0;
    for (const { panel, expr } of queries) {
      for (const name of verifierMetricsIn(expr)) {
        referenced += 1;
        expect(exported, `${panel}: ${name}`).toContain(name);
      }
    }
    expect(referenced).toBeGreaterThan(20);
  });

  it('are valid PromQL in every dashboard panel', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optout-dashboard-'));
    const file = join(dir, 'dashboard-queries.yml');
    const rules = dashboardQueries.map((q, i) => ({
      record: `dashboard:query_${i}`,
      expr: q.expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '6h').replaceAll('$__interval', '15s'),
    }));
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
    const run = promtool(['check', 'rules', file]);
    expect(run.status, run.output).toBe(0);
  });
});
