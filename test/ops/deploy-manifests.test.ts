// The Kubernetes manifests in deploy/ and the image they run: parsed, not applied. They must keep the probes on
// the service's own endpoints, the secrets as mounted files, and the container unprivileged and read-only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { SHIPPED_MEMORY_LIMIT, SHIPPED_NODE_OPTIONS } from '../../services/bench/memory-cgroup.js';
import { repoRoot } from './ops-files.js';

type Doc = { kind: string; metadata: { name: string }; spec: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

const docs: Doc[] = parseAllDocuments(readFileSync(join(repoRoot, 'deploy', 'optout-verifier.yaml'), 'utf8')).map((d) => {
  expect(d.errors).toEqual([]);
  return d.toJS() as Doc;
});
const byKind = (kind: string): Doc => {
  const found = docs.filter((d) => d.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};

describe('deploy/optout-verifier.yaml', () => {
  const deployment = byKind('Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const labels = deployment.spec.template.metadata.labels;
  const metricsPort = container.ports.find((p: { name: string }) => p.name === 'metrics').containerPort;

  it('has a Deployment, a Service, a PodDisruptionBudget and a NetworkPolicy, all selecting its pods', () => {
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    expect(byKind('Service').spec.selector).toEqual(labels);
    expect(byKind('PodDisruptionBudget').spec.selector.matchLabels).toEqual(labels);
    expect(byKind('NetworkPolicy').spec.podSelector.matchLabels).toEqual(labels);
    expect(byKind('NetworkPolicy').spec.policyTypes).toEqual(expect.arrayContaining(['Ingress', 'Egress']));
  });

  it('probes /healthz for liveness and /readyz for readiness on the metrics port the Service exposes', () => {
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.startupProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) expect(probe.httpGet.port).toBe('metrics');
    expect(metricsPort).toBe(Number(container.env.find((e: { name: string }) => e.name === 'METRICS_PORT').value));
    expect(container.env.find((e: { name: string }) => e.name === 'METRICS_HOST').value).toBe('0.0.0.0');
    expect(byKind('Service').spec.ports[0].targetPort).toBe('metrics');
  });

  it('runs unprivileged on a read-only root file system, with resources', () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits.memory).toEqual(expect.any(String));
  });

  it('limits the container\'s memory to what the live bench works a backlog off under', () => {
    expect(container.resources.limits.memory).toBe(SHIPPED_MEMORY_LIMIT);
  });

  it('gives every secret as a file on a mounted Secret volume, never as a variable', () => {
    const secretVolumes = new Set(pod.volumes.filter((v: { secret?: unknown }) => v.secret).map((v: { name: string }) => v.name));
    const secretMounts: string[] = container.volumeMounts.filter((m: { name: string }) => secretVolumes.has(m.name)).map((m: { mountPath: string }) => `${m.mountPath}/`);
    const files = container.env.filter((e: { name: string }) => e.name.endsWith('_FILE'));
    expect(files.map((e: { name: string }) => e.name)).toEqual(expect.arrayContaining(['PSEUDONYM_KEY_FILE', 'DATABASE_PASSWORD_FILE', 'KAFKA_SASL_PASSWORD_FILE', 'KAFKA_SSL_CA_FILE']));
    for (const e of files) expect(secretMounts.some((m) => e.value.startsWith(m)), e.name).toBe(true);
    for (const e of container.env) {
      expect(e.name, 'a secret as a variable').not.toMatch(/PASSWORD$|SECRET$|KEY$/);
      if (typeof e.value === 'string') expect(e.value, `${e.name} carries a password`).not.toMatch(/:\/\/[^/@]*:[^/@]*@/);
    }
  });
});

describe('deploy/optout-verifier.yaml: least privilege for the database', () => {
  const env = (containers: { env: { name: string; value?: string }[] }[]) => Object.fromEntries(containers[0]!.env.map((e) => [e.name, e.value]));
  const userOf = (url: string | undefined) => new URL(url ?? '').username;

  it('runs the service as the runtime role, which a Job running migrate as the schema\'s owner grants', () => {
    const service = env(byKind('Deployment').spec.template.spec.containers);
    const job = byKind('Job').spec.template.spec;
    const migrate = env(job.containers);
    expect(job.containers[0].args).toEqual(['node', 'bin/optout-verifier.js', 'migrate']);
    expect(byKind('Deployment').spec.template.spec.containers[0].args).not.toContain('--migrate');
    expect(migrate.DB_RUNTIME_ROLE).toBe(userOf(service.DATABASE_URL));
    expect(userOf(migrate.DATABASE_URL)).not.toBe(userOf(service.DATABASE_URL));
    expect(job.volumes.find((v: { name: string }) => v.name === 'database').secret.secretName).not.toBe(
      byKind('Deployment').spec.template.spec.volumes.find((v: { name: string }) => v.name === 'database').secret.secretName);
  });
});

describe('infra/docker/verifier.Dockerfile', () => {
  const text = readFileSync(join(repoRoot, 'infra', 'docker', 'verifier.Dockerfile'), 'utf8');

  it('builds on a Node LTS base pinned by digest, in stages, and runs the compiled JavaScript as an unprivileged user', () => {
    expect(text).toMatch(/^ARG NODE_IMAGE=node:(22|24)[\w.-]*@sha256:[0-9a-f]{64}$/m);
    expect(text.match(/^FROM \$\{NODE_IMAGE\}/gm)).toHaveLength(2);
    expect(text).toMatch(/^RUN npm run build\b/m);
    expect(text).toMatch(/^USER node$/m);
    expect(text).not.toMatch(/--chown/);
    expect(text).toMatch(/^CMD \["node", "bin\/optout-verifier\.js", "run"/m);
  });

  it('has a HEALTHCHECK and passes the commit into the build', () => {
    expect(text).toMatch(/^HEALTHCHECK .*CMD \["node", "bin\/healthcheck\.js"\]$/m);
    expect(text).toMatch(/^ARG COMMIT=/m);
    expect(text).toMatch(/^ENV OPTOUT_VERIFIER_COMMIT=\$\{COMMIT\}$/m);
    // The young generation V8 would shrink under the container's memory limit, kept as the live bench runs it.
    expect(text.split('\n')).toContain(`ENV NODE_OPTIONS=${SHIPPED_NODE_OPTIONS}`);
  });
});
